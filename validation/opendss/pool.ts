/**
 * Allocation of the many small typed arrays the engine keeps per element (primitive Y matrices,
 * terminal currents, node references, line and transformer work matrices). Every typed array of
 * its own brings an ArrayBuffer (off-heap above 64 bytes), which is slow to create and adds
 * garbage-collection work; a feeder has thousands of elements with several such arrays each.
 * These helpers hand out zero-filled views of large shared blocks instead (one backing store
 * per 256 KB). A view keeps its block alive, so elements reuse their arrays (see `reuseF64`)
 * rather than asking for new ones on every recalculation.
 */

const F64_BLOCK = 1 << 15;
const I32_BLOCK = 1 << 15;
/** Arrays this small or smaller are allocated on their own (a view costs about as much). */
const SMALL = 1;

let f64Block = new Float64Array(F64_BLOCK);
let f64Used = 0;
let i32Block = new Int32Array(I32_BLOCK);
let i32Used = 0;

/** A zero-filled Float64Array of length n (a view of a shared block when n is moderate). */
export function allocF64(n: number): Float64Array {
  if (n <= SMALL || n > F64_BLOCK >> 3) return new Float64Array(n);
  if (f64Used + n > F64_BLOCK) {
    f64Block = new Float64Array(F64_BLOCK);
    f64Used = 0;
  }
  const a = f64Block.subarray(f64Used, f64Used + n);
  f64Used += n;
  return a;
}

/** A zero-filled Int32Array of length n (a view of a shared block when n is moderate). */
export function allocI32(n: number): Int32Array {
  if (n <= SMALL || n > I32_BLOCK >> 3) return new Int32Array(n);
  if (i32Used + n > I32_BLOCK) {
    i32Block = new Int32Array(I32_BLOCK);
    i32Used = 0;
  }
  const a = i32Block.subarray(i32Used, i32Used + n);
  i32Used += n;
  return a;
}

/** `a` zero-filled when it has length n, else a new zero-filled array of length n. */
export function reuseF64(a: Float64Array, n: number): Float64Array {
  if (a.length === n) {
    a.fill(0);
    return a;
  }
  return allocF64(n);
}
