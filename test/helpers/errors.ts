import { expect } from "vitest";
import { InputError } from "../../models/errors.ts";

/** Run `fn`, expect it to throw an InputError, and return that error (fails the test if none is thrown). */
export function inputErrorOf(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error("expected an InputError, got none");
}
