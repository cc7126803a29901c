// Sparse symmetric indefinite LDL^T with AMD ordering, a reusable symbolic analysis and per-row static
// pivoting (mpopf's own code). See sparse_ldl.hpp for the method.
#include "sparse_ldl.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <new>

extern "C" {
#include "amd.h"
}

namespace mpopf {

namespace {

double nowSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

SparseLdl::Status SparseLdl::analyse(int n, int nnz, const int* ia, const int* ja) {
  const double t0 = nowSeconds();
  try {
    n_ = n;
    nnz_ = nnz;
    if (n < 0 || nnz < 0 || ia[0] != 0 || ia[n] != nnz) return BadStructure;
    ia_.assign(ia, ia + n + 1);
    ja_.assign(ja, ja + nnz);
    for (int i = 0; i < n; i++)
      for (int p = ia[i]; p < ia[i + 1]; p++)
        if (ja[p] < i || ja[p] >= n) return BadStructure;

    // AMD on the pattern: upper CSR rows are lower CSC columns; AMD symmetrises internally.
    perm_.assign(n, 0);
    pinv_.assign(n, 0);
    if (n > 1 && nnz > 0) {
      double control[AMD_CONTROL], info[AMD_INFO];
      amd_defaults(control);
      int st = amd_order(n, ia_.data(), ja_.data(), perm_.data(), control, info);
      if (st == AMD_OUT_OF_MEMORY) return OutOfMemory;
      if (st != AMD_OK && st != AMD_OK_BUT_JUMBLED) return OrderingFailed;
    } else {
      for (int k = 0; k < n; k++) perm_[k] = k;
    }
    for (int k = 0; k < n; k++) pinv_[perm_[k]] = k;

    // Permuted matrix C = P A P^T, upper triangle stored by columns (column k holds rows i <= k).
    cp_.assign(n + 1, 0);
    for (int i = 0; i < n; i++)
      for (int p = ia[i]; p < ia[i + 1]; p++) {
        int a = pinv_[i], b = pinv_[ja[p]];
        cp_[(a > b ? a : b) + 1]++;
      }
    for (int k = 0; k < n; k++) cp_[k + 1] += cp_[k];
    ci_.assign(nnz, 0);
    cmap_.assign(nnz, 0);
    {
      std::vector<int> next(cp_.begin(), cp_.end() - 1);
      for (int i = 0; i < n; i++)
        for (int p = ia[i]; p < ia[i + 1]; p++) {
          int a = pinv_[i], b = pinv_[ja[p]];
          int col = a > b ? a : b, row = a > b ? b : a;
          int q = next[col]++;
          ci_[q] = row;
          cmap_[p] = q;
        }
    }
    cx_.assign(nnz, 0.0);

    // Elimination tree and column counts of L: row k of L is the set of nodes reached from the
    // above-diagonal entries of column k of C, walking up the (partial) tree until k is met.
    std::vector<int> parent(n, -1), cnt(n, 0), flag(n, -1);
    for (int k = 0; k < n; k++) {
      flag[k] = k;
      for (int p = cp_[k]; p < cp_[k + 1]; p++) {
        for (int i = ci_[p]; i < k && flag[i] != k; i = parent[i]) {
          if (parent[i] == -1) parent[i] = k;
          cnt[i]++;
          flag[i] = k;
        }
      }
    }
    lp_.assign(n + 1, 0);
    for (int k = 0; k < n; k++) lp_[k + 1] = lp_[k] + cnt[k];
    const std::size_t nnzL = static_cast<std::size_t>(lp_[n]);
    li_.assign(nnzL, 0);
    lx_.assign(nnzL, 0.0);
    // Row patterns in the order the numeric factorisation eliminates them (each path from an entry up
    // the tree, the paths stacked so that a node comes after every node below it), and the position of
    // every entry L(k, i) in column i (rows of a column are produced in increasing order).
    rp_.assign(n + 1, 0);
    rcol_.assign(nnzL, 0);
    rpos_.assign(nnzL, 0);
    {
      std::vector<int> fill(lp_.begin(), lp_.end() - 1), pattern(n);
      std::fill(flag.begin(), flag.end(), -1);
      std::size_t q = 0;
      for (int k = 0; k < n; k++) {
        int top = n;
        flag[k] = k;
        for (int p = cp_[k]; p < cp_[k + 1]; p++) {
          int i = ci_[p];
          int len = 0;
          for (; flag[i] != k; i = parent[i]) {
            pattern[len++] = i;
            flag[i] = k;
          }
          while (len > 0) pattern[--top] = pattern[--len];
        }
        for (; top < n; top++) {
          const int i = pattern[top];
          const int pos = fill[i]++;
          li_[pos] = k;
          rcol_[q] = i;
          rpos_[q] = pos;
          q++;
        }
        rp_[k + 1] = static_cast<int>(q);
      }
    }
    d_.assign(n, 0.0);
    y_.assign(n, 0.0);
    rowmax_.assign(n, 0.0);
    work_.assign(n, 0.0);
    resid_.assign(n, 0.0);
    scale_.assign(n, 0.0);
    xprev_.assign(n, 0.0);
    stats_.orderSeconds += nowSeconds() - t0;
    stats_.orderings++;
    return Ok;
  } catch (const std::bad_alloc&) {
    return OutOfMemory;
  }
}

std::size_t SparseLdl::memoryBytes() const {
  std::size_t ints = ia_.capacity() + ja_.capacity() + perm_.capacity() + pinv_.capacity() + cp_.capacity() +
                     ci_.capacity() + cmap_.capacity() + lp_.capacity() + li_.capacity() + rp_.capacity() +
                     rpos_.capacity() + rcol_.capacity();
  std::size_t doubles = cx_.capacity() + lx_.capacity() + d_.capacity() + y_.capacity() + rowmax_.capacity() +
                        work_.capacity() + resid_.capacity() + scale_.capacity() + xprev_.capacity() +
                        rhs_.capacity();
  return ints * sizeof(int) + doubles * sizeof(double);
}

bool SparseLdl::sameStructure(int n, int nnz, const int* ia, const int* ja) const {
  if (n != n_ || nnz != nnz_ || lp_.empty()) return false;
  for (int i = 0; i <= n; i++)
    if (ia[i] != ia_[i]) return false;
  for (int p = 0; p < nnz; p++)
    if (ja[p] != ja_[p]) return false;
  return true;
}

SparseLdl::Status SparseLdl::factor(const double* values, int negStart) {
  const double t0 = nowSeconds();
  const int n = n_;
  values_ = values;
  negPivots_ = 0;
  perturbed_ = 0;
  solves_ = 0;
  refineSteps_ = 0;

  // Largest absolute entry of every row (of the full symmetric matrix), indexed by original row.
  for (int i = 0; i < n; i++) rowmax_[i] = 0.0;
  double globalMax = 0.0;
  for (int i = 0; i < n; i++)
    for (int p = ia_[i]; p < ia_[i + 1]; p++) {
      double a = std::fabs(values[p]);
      int j = ja_[p];
      if (a > rowmax_[i]) rowmax_[i] = a;
      if (a > rowmax_[j]) rowmax_[j] = a;
      if (a > globalMax) globalMax = a;
    }
  for (int p = 0; p < nnz_; p++) cx_[cmap_[p]] = values[p];

  const int* cp = cp_.data();
  const int* ci = ci_.data();
  const double* cx = cx_.data();
  const int* lp = lp_.data();
  const int* li = li_.data();
  const int* rp = rp_.data();
  const int* rcol = rcol_.data();
  const int* rpos = rpos_.data();
  double* lx = lx_.data();
  double* d = d_.data();
  double* y = y_.data();
  for (int k = 0; k < n; k++) {
    // Row k of L: a sparse triangular solve with the rows above, along the precomputed pattern.
    for (int p = cp[k]; p < cp[k + 1]; p++) y[ci[p]] += cx[p];
    double dk = y[k];
    y[k] = 0.0;
    for (int q = rp[k]; q < rp[k + 1]; q++) {
      const int i = rcol[q];
      const double yi = y[i];
      y[i] = 0.0;
      const int pend = rpos[q];
      for (int p = lp[i]; p < pend; p++) y[li[p]] -= lx[p] * yi;
      const double lki = yi / d[i];
      dk -= lki * yi;
      lx[pend] = lki;
    }
    // Per-row static pivoting with the sign Ipopt expects for this row.
    const int orig = perm_[k];
    const double scale = rowmax_[orig] > 0.0 ? rowmax_[orig] : (globalMax > 0.0 ? globalMax : 1.0);
    const double threshold = pivotTolerance * scale;
    if (!(std::fabs(dk) > threshold)) {
      dk = orig >= negStart ? -threshold : threshold;
      perturbed_++;
    }
    d[k] = dk;
    if (dk < 0.0) negPivots_++;
  }
  stats_.factorSeconds += nowSeconds() - t0;
  stats_.factorizations++;
  stats_.perturbedPivots = perturbed_;
  return Ok;
}

void SparseLdl::solveFactored(double* x) const {
  const int n = n_;
  double* w = work_.data();
  const int* perm = perm_.data();
  const int* lp = lp_.data();
  const int* li = li_.data();
  const double* lx = lx_.data();
  const double* d = d_.data();
  for (int k = 0; k < n; k++) w[k] = x[perm[k]];
  for (int k = 0; k < n; k++) {
    const double wk = w[k];
    if (wk != 0.0)
      for (int p = lp[k]; p < lp[k + 1]; p++) w[li[p]] -= lx[p] * wk;
  }
  for (int k = 0; k < n; k++) w[k] /= d[k];
  for (int k = n - 1; k >= 0; k--) {
    double s = w[k];
    for (int p = lp[k]; p < lp[k + 1]; p++) s -= lx[p] * w[li[p]];
    w[k] = s;
  }
  for (int k = 0; k < n; k++) x[perm[k]] = w[k];
}

double SparseLdl::residual(const double* x, const double* b) {
  // One pass over the stored upper triangle gives both A x (in resid_) and |A||x| (in scale_).
  const int n = n_;
  double* resid = resid_.data();
  double* scale = scale_.data();
  const int* ia = ia_.data();
  const int* ja = ja_.data();
  const double* values = values_;
  for (int i = 0; i < n; i++) {
    resid[i] = 0.0;
    scale[i] = 0.0;
  }
  for (int i = 0; i < n; i++) {
    const double xi = x[i];
    const double axi = std::fabs(xi);
    double s = 0.0;
    double sa = 0.0;
    for (int p = ia[i]; p < ia[i + 1]; p++) {
      const int j = ja[p];
      const double a = values[p];
      const double xj = x[j];
      s += a * xj;
      sa += std::fabs(a * xj);
      if (j != i) {
        resid[j] += a * xi;
        scale[j] += std::fabs(a) * axi;
      }
    }
    resid[i] += s;
    scale[i] += sa;
  }
  double err = 0.0;
  for (int i = 0; i < n; i++) {
    resid[i] = b[i] - resid[i];
    scale[i] += std::fabs(b[i]);
    const double r = std::fabs(resid[i]);
    if (r == 0.0) continue;
    const double e = scale[i] > 0.0 ? r / scale[i] : std::numeric_limits<double>::infinity();
    if (e > err) err = e;
  }
  return err;
}

void SparseLdl::solve(double* b) {
  const int n = n_;
  const double t0 = nowSeconds();
  solves_++;
  stats_.solves++;
  if (perturbed_ == 0 || maxRefinementSteps <= 0) {
    solveFactored(b);
    stats_.solveSeconds += nowSeconds() - t0;
    return;
  }
  // Iterative refinement against the unperturbed matrix, stopped when the componentwise backward
  // error max_i |r_i| / (|A||x| + |b|)_i reaches machine precision or stops halving; a step that made
  // it worse is undone. Refinement converges linearly, so once a step has shown the rate, a last step
  // predicted to reach machine precision is taken without computing its residual.
  rhs_.assign(b, b + n);
  solveFactored(b);
  const double t1 = nowSeconds();
  double prevErr = std::numeric_limits<double>::infinity();
  for (int step = 0;; step++) {
    const double err = residual(b, rhs_.data());
    if (!(err < prevErr)) {
      for (int i = 0; i < n; i++) b[i] = xprev_[i];
      break;
    }
    if (err <= refinementTarget || step >= maxRefinementSteps || err > 0.5 * prevErr) break;
    const bool last = step > 0 && err * (err / prevErr) <= 0.25 * refinementTarget;
    prevErr = err;
    refineSteps_++;
    stats_.refinementSteps++;
    for (int i = 0; i < n; i++) xprev_[i] = b[i];
    solveFactored(resid_.data());
    for (int i = 0; i < n; i++) b[i] += resid_[i];
    if (last) break;
  }
  const double t2 = nowSeconds();
  stats_.refineSeconds += t2 - t1;
  stats_.solveSeconds += t2 - t0;
}

}  // namespace mpopf
