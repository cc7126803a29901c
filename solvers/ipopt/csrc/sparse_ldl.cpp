// Sparse symmetric indefinite LDL^T with AMD ordering and per-row static pivoting (mpopf's own code).
// See sparse_ldl.hpp for the method.
#include "sparse_ldl.hpp"

#include <cmath>
#include <limits>
#include <new>

extern "C" {
#include "amd.h"
}

namespace mpopf {

SparseLdl::Status SparseLdl::analyse(int n, int nnz, const int* ia, const int* ja) {
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
    if (n > 0) {
      double control[AMD_CONTROL], info[AMD_INFO];
      amd_defaults(control);
      int st = amd_order(n, ia_.data(), ja_.data(), perm_.data(), control, info);
      if (st == AMD_OUT_OF_MEMORY) return OutOfMemory;
      if (st != AMD_OK && st != AMD_OK_BUT_JUMBLED) return OrderingFailed;
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
    std::vector<int> next(cp_.begin(), cp_.end() - 1);
    for (int i = 0; i < n; i++)
      for (int p = ia[i]; p < ia[i + 1]; p++) {
        int a = pinv_[i], b = pinv_[ja[p]];
        int col = a > b ? a : b, row = a > b ? b : a;
        int q = next[col]++;
        ci_[q] = row;
        cmap_[p] = q;
      }
    cx_.assign(nnz, 0.0);

    // Elimination tree and column counts of L: row k of L is the set of nodes reached from the
    // above-diagonal entries of column k of C, walking up the (partial) tree until k is met.
    parent_.assign(n, -1);
    lnz_.assign(n, 0);
    flag_.assign(n, -1);
    for (int k = 0; k < n; k++) {
      flag_[k] = k;
      for (int p = cp_[k]; p < cp_[k + 1]; p++) {
        for (int i = ci_[p]; i < k && flag_[i] != k; i = parent_[i]) {
          if (parent_[i] == -1) parent_[i] = k;
          lnz_[i]++;
          flag_[i] = k;
        }
      }
    }
    lp_.assign(n + 1, 0);
    for (int k = 0; k < n; k++) lp_[k + 1] = lp_[k] + lnz_[k];
    li_.assign(static_cast<std::size_t>(lp_[n]), 0);
    lx_.assign(static_cast<std::size_t>(lp_[n]), 0.0);
    d_.assign(n, 0.0);
    y_.assign(n, 0.0);
    pattern_.assign(n, 0);
    rowmax_.assign(n, 0.0);
    work_.assign(n, 0.0);
    resid_.assign(n, 0.0);
    scale_.assign(n, 0.0);
    xprev_.assign(n, 0.0);
    return Ok;
  } catch (const std::bad_alloc&) {
    return OutOfMemory;
  }
}

SparseLdl::Status SparseLdl::factor(const double* values, int negStart) {
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

  for (int k = 0; k < n; k++) {
    // Scatter column k of C into y and find the pattern of row k of L (topologically ordered).
    int top = n;
    flag_[k] = k;
    lnz_[k] = 0;
    for (int p = cp_[k]; p < cp_[k + 1]; p++) {
      int i = ci_[p];
      y_[i] += cx_[p];
      int len = 0;
      for (; flag_[i] != k; i = parent_[i]) {
        pattern_[len++] = i;
        flag_[i] = k;
      }
      while (len > 0) pattern_[--top] = pattern_[--len];
    }
    double dk = y_[k];
    y_[k] = 0.0;
    for (; top < n; top++) {
      const int i = pattern_[top];
      const double yi = y_[i];
      y_[i] = 0.0;
      const int p0 = lp_[i], p1 = lp_[i] + lnz_[i];
      for (int p = p0; p < p1; p++) y_[li_[p]] -= lx_[p] * yi;
      const double lki = yi / d_[i];
      dk -= lki * yi;
      li_[p1] = k;
      lx_[p1] = lki;
      lnz_[i]++;
    }
    // Per-row static pivoting with the sign Ipopt expects for this row.
    const int orig = perm_[k];
    const double scale = rowmax_[orig] > 0.0 ? rowmax_[orig] : (globalMax > 0.0 ? globalMax : 1.0);
    const double threshold = pivotTolerance * scale;
    if (!(std::fabs(dk) > threshold)) {
      dk = orig >= negStart ? -threshold : threshold;
      perturbed_++;
    }
    d_[k] = dk;
    if (dk < 0.0) negPivots_++;
  }
  return Ok;
}

void SparseLdl::solveFactored(double* x) const {
  const int n = n_;
  double* w = work_.data();
  for (int k = 0; k < n; k++) w[k] = x[perm_[k]];
  for (int k = 0; k < n; k++) {
    const double wk = w[k];
    if (wk != 0.0)
      for (int p = lp_[k]; p < lp_[k + 1]; p++) w[li_[p]] -= lx_[p] * wk;
  }
  for (int k = 0; k < n; k++) w[k] /= d_[k];
  for (int k = n - 1; k >= 0; k--) {
    double s = w[k];
    for (int p = lp_[k]; p < lp_[k + 1]; p++) s -= lx_[p] * w[li_[p]];
    w[k] = s;
  }
  for (int k = 0; k < n; k++) x[perm_[k]] = w[k];
}

void SparseLdl::solve(double* b) {
  const int n = n_;
  solves_++;
  if (perturbed_ == 0 || maxRefinementSteps <= 0) {
    solveFactored(b);
    return;
  }
  // Iterative refinement against the unperturbed matrix, stopped when the componentwise backward
  // error max_i |r_i| / (|A||x| + |b|)_i reaches machine precision or stops halving; a step that made
  // it worse is undone.
  rhs_.assign(b, b + n);
  solveFactored(b);
  const double eps = std::numeric_limits<double>::epsilon();
  double prevErr = std::numeric_limits<double>::infinity();
  for (int step = 0;; step++) {
    // One pass over the stored upper triangle gives both A x (in resid_) and |A||x| (in scale_).
    for (int i = 0; i < n; i++) {
      resid_[i] = 0.0;
      scale_[i] = 0.0;
    }
    for (int i = 0; i < n; i++) {
      const double xi = b[i];
      const double axi = std::fabs(xi);
      double s = 0.0;
      double sa = 0.0;
      for (int p = ia_[i]; p < ia_[i + 1]; p++) {
        const int j = ja_[p];
        const double a = values_[p];
        const double xj = b[j];
        s += a * xj;
        sa += std::fabs(a * xj);
        if (j != i) {
          resid_[j] += a * xi;
          scale_[j] += std::fabs(a) * axi;
        }
      }
      resid_[i] += s;
      scale_[i] += sa;
    }
    for (int i = 0; i < n; i++) {
      resid_[i] = rhs_[i] - resid_[i];
      scale_[i] += std::fabs(rhs_[i]);
    }
    double err = 0.0;
    for (int i = 0; i < n; i++) {
      const double r = std::fabs(resid_[i]);
      if (r == 0.0) continue;
      const double e = scale_[i] > 0.0 ? r / scale_[i] : std::numeric_limits<double>::infinity();
      if (e > err) err = e;
    }
    if (!(err < prevErr)) {
      for (int i = 0; i < n; i++) b[i] = xprev_[i];
      break;
    }
    if (err <= 2.0 * eps || step >= maxRefinementSteps || err > 0.5 * prevErr) break;
    prevErr = err;
    refineSteps_++;
    for (int i = 0; i < n; i++) xprev_[i] = b[i];
    solveFactored(resid_.data());
    for (int i = 0; i < n; i++) b[i] += resid_[i];
  }
}

}  // namespace mpopf
