// Sparse symmetric indefinite LDL^T factorisation for Ipopt's KKT systems (mpopf's own code).
//
// * Fill-reducing ordering: SuiteSparse AMD, computed once per sparsity structure.
// * Symbolic analysis, once per structure: elimination tree, column counts of L, and the pattern of every
//   row of L in elimination order together with the position each entry takes in L's column storage. A
//   numeric factorisation then only replays it: no elimination-tree walks, no pattern stacks.
// * Numeric factorisation: up-looking (row-by-row) sparse LDL^T without numerical pivoting.
// * Static pivoting with a per-row threshold: a pivot with |d_k| <= tau * max_j |A_kj| is replaced by
//   +-tau * max_j |A_kj| with the sign expected for that row (Ipopt's KKT matrix has the primal rows
//   first and the constraint rows last; the latter belong to the negative-definite block).
// * Iterative refinement against the unperturbed matrix whenever a pivot was perturbed (to a componentwise
//   backward error of 1e-10, Ipopt's own residual target).
// * Inertia: the number of negative entries of D.
#ifndef MPOPF_SPARSE_LDL_HPP
#define MPOPF_SPARSE_LDL_HPP

#include <cstddef>
#include <vector>

namespace mpopf {

/// Cumulative timings (seconds) and counts of a SparseLdl instance (diagnostics, benchmarks).
struct LdlStats {
  double orderSeconds = 0;   // AMD + symbolic analysis
  double factorSeconds = 0;  // numeric factorisations
  double solveSeconds = 0;   // solves incl. iterative refinement
  double refineSeconds = 0;  // of which residuals and correction solves of iterative refinement
  int orderings = 0;
  int factorizations = 0;
  int solves = 0;
  int refinementSteps = 0;
  int perturbedPivots = 0;  // in the last factorisation
};

class SparseLdl {
 public:
  /// Result codes of analyse() and factor().
  enum Status { Ok = 0, OutOfMemory = 1, OrderingFailed = 2, BadStructure = 3 };

  /// Static pivot threshold relative to the row's largest absolute entry.
  double pivotTolerance = 1e-10;
  /// Maximum iterative-refinement steps after a perturbed factorisation.
  int maxRefinementSteps = 10;
  /// Refinement stops once the componentwise backward error is at most this: Ipopt's own residual target
  /// (residual_ratio_max = 1e-10), which its iterative refinement on the full system then checks. Refining
  /// further to 2 eps (as before) took 27 % more refinement steps on IEEE-123 x20 for the same iterates.
  double refinementTarget = 1e-10;

  /// Symbolic analysis of an n x n symmetric matrix given as upper-triangular CSR (0-based, each row's
  /// column indices >= the row index, no duplicates). Keeps copies of the structure.
  Status analyse(int n, int nnz, const int* ia, const int* ja);

  /// Whether the structure is the one analysed (same dimension, non-zeros and CSR arrays).
  bool sameStructure(int n, int nnz, const int* ia, const int* ja) const;
  /// Zero the cumulative timings and counts (the analysis is kept).
  void resetStats() { stats_ = LdlStats(); }

  /// Numeric factorisation of the values (CSR order). Rows >= negStart expect negative pivots.
  /// The values pointer must stay valid until the next factor() call (refinement reads it).
  Status factor(const double* values, int negStart);

  /// Solve A x = b in place (b has length n), refining iteratively when pivots were perturbed.
  void solve(double* b);

  /// Number of negative entries of D after factor().
  int negativePivots() const { return negPivots_; }
  /// Number of pivots replaced by the static-pivoting rule in the last factor().
  int perturbedPivots() const { return perturbed_; }
  /// Number of non-zeros of L (strictly below the diagonal).
  std::size_t factorNonzeros() const { return lp_.empty() ? 0 : static_cast<std::size_t>(lp_[n_]); }
  /// Dimension.
  int dimension() const { return n_; }
  /// Bytes held by the analysis and its work arrays (capacity of every vector).
  std::size_t memoryBytes() const;
  /// Solves and iterative-refinement steps since the last factor() (diagnostics).
  int solvesSinceFactor() const { return solves_; }
  int refinementStepsSinceFactor() const { return refineSteps_; }
  /// Cumulative timings and counts.
  const LdlStats& stats() const { return stats_; }

 private:
  void solveFactored(double* x) const;
  /// r = b - A x and s = |A| |x| + |b|; returns the componentwise backward error max_i |r_i| / s_i.
  double residual(const double* x, const double* b);

  int n_ = 0;
  int nnz_ = 0;
  std::vector<int> ia_, ja_;      // original upper CSR structure
  std::vector<int> perm_, pinv_;  // perm_[new] = old, pinv_[old] = new
  std::vector<int> cp_, ci_;      // permuted upper triangle, column-wise: rows i <= k of column k
  std::vector<int> cmap_;         // original nonzero p -> position in (cp_, ci_)
  std::vector<double> cx_;        // permuted values
  std::vector<int> lp_, li_;      // L by columns: rows li_[lp_[i] .. lp_[i+1]) of column i, increasing
  std::vector<int> rp_, rpos_;    // row k of L: positions rpos_[rp_[k] .. rp_[k+1]) in (li_, lx_), in
                                  // elimination (topological) order
  std::vector<int> rcol_;         // column of each row-pattern entry
  std::vector<double> lx_, d_;
  std::vector<double> y_, rowmax_;
  mutable std::vector<double> work_;
  std::vector<double> resid_, scale_, xprev_, rhs_;
  const double* values_ = nullptr;
  int negPivots_ = 0;
  int perturbed_ = 0;
  int solves_ = 0;
  int refineSteps_ = 0;
  LdlStats stats_;
};

}  // namespace mpopf

#endif
