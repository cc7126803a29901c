// Sparse symmetric indefinite LDL^T factorisation for Ipopt's KKT systems (mpopf's own code).
//
// * Static 2x2 pivots: every constraint row (the last rows, from `negStart` on) is paired with a primal
//   row through a Jacobian entry that is large relative to both rows (a greedy weighted matching on the
//   values of the first factorisation, completed by augmenting paths). A pair is eliminated as one 2x2
//   block [h a; a c], which is nonsingular (det ~ -a^2) even when h = c = 0: no zero pivots on the
//   constraint rows, no pivot growth from tiny pivots, no iterative refinement in the normal case.
// * Fill-reducing ordering: SuiteSparse AMD on the graph with every pair compressed into one node,
//   computed once per sparsity structure (at the first factorisation, which supplies the values for the
//   matching) and reused. The elimination tree is postordered with each pair's first row visited last,
//   so a pair stays adjacent.
// * Supernodes: fundamental supernodes (pairs always together), relaxed by amalgamation (small nodes
//   merge with their parent when the explicit zeros stay few); the row structure of every supernode is
//   computed once.
// * Numeric factorisation: left-looking supernodal; each supernode is a dense column-major panel updated
//   by its descendants (dense products), then factored in place with its 1x1 / 2x2 pivots.
// * Static pivoting with a per-row threshold, as before: a 1x1 pivot with |d| <= tau * max_j |A_kj| is
//   replaced by +-tau * max_j |A_kj| with the sign Ipopt expects for that row (constraint rows
//   negative); a 2x2 block with an eigenvalue that small gets it replaced by +-tau * scale with the sign
//   the pair needs (one positive, one negative). Iterative refinement against the unperturbed matrix
//   whenever a pivot was perturbed.
// * Inertia: the number of negative eigenvalues of the block-diagonal D.
#ifndef MPOPF_SPARSE_LDL_HPP
#define MPOPF_SPARSE_LDL_HPP

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace mpopf {

/// Cumulative timings (seconds) and counts of a SparseLdl instance (diagnostics, benchmarks).
struct LdlStats {
  double orderSeconds = 0;     // matching + AMD + symbolic analysis
  double factorSeconds = 0;    // numeric factorisations (incl. assembly of the values)
  double solveSeconds = 0;     // triangular solves incl. iterative refinement
  double refineSeconds = 0;    // of which residuals and extra solves of iterative refinement
  int orderings = 0;
  int factorizations = 0;
  int solves = 0;
  int refinementSteps = 0;
};

class SparseLdl {
 public:
  /// Result codes of analyse() and factor().
  enum Status { Ok = 0, OutOfMemory = 1, OrderingFailed = 2, BadStructure = 3 };

  /// Static pivot threshold relative to the row's largest absolute entry.
  double pivotTolerance = 1e-10;
  /// Maximum iterative-refinement steps after a perturbed factorisation.
  int maxRefinementSteps = 10;
  /// Orderings per structure: a factorisation that had to perturb a pivot pairs the rows again with its
  /// values and refactors, until this many orderings were made.
  int maxOrderings = 4;
  /// Re-pairing keeps the previous elimination order (pairs placed at their later row) instead of
  /// running AMD again.
  bool reuseOrdering = true;

  /// Takes an n x n symmetric matrix's structure as upper-triangular CSR (0-based, each row's column
  /// indices >= the row index, no duplicates) and keeps a copy. The ordering and symbolic analysis happen
  /// at the first factor() (the matching needs values) and are reused by every later factor().
  Status analyse(int n, int nnz, const int* ia, const int* ja);

  /// Numeric factorisation of the values (CSR order). Rows >= negStart expect negative pivots.
  /// The values pointer must stay valid until the next factor() call (refinement reads it).
  Status factor(const double* values, int negStart);

  /// Pair the rows again at the next factor() (with its values), as a perturbed factorisation does.
  void requestReordering() { ordered_ = false; }

  /// Solve A x = b in place (b has length n), refining iteratively when pivots were perturbed.
  void solve(double* b);

  /// Number of negative eigenvalues of D after factor().
  int negativePivots() const { return negPivots_; }
  /// Number of pivots (eigenvalues of D) replaced by the static-pivoting rule in the last factor().
  int perturbedPivots() const { return perturbed_; }
  /// Largest |L_ij| of the last factor() (element growth; large values mean weak pivots).
  double maxGrowth() const { return maxGrowth_; }
  /// Number of non-zeros of L strictly below the diagonal (scalar count, without explicit zeros).
  std::size_t factorNonzeros() const { return nnzL_; }
  /// Number of stored values of L (supernodal panels, explicit zeros included).
  std::size_t factorStorage() const { return lxSize_; }
  /// Number of supernodes and of 2x2 pivot pairs.
  int supernodes() const { return nsuper_; }
  int pairs() const { return npairs_; }
  /// Dimension.
  int dimension() const { return n_; }
  /// Solves and iterative-refinement steps since the last factor() (diagnostics).
  int solvesSinceFactor() const { return solves_; }
  int refinementStepsSinceFactor() const { return refineSteps_; }
  /// Cumulative timings and counts.
  const LdlStats& stats() const { return stats_; }

 private:
  Status order(const double* values, int negStart, bool freshOrdering);
  void rowMaxima(const double* values);
  void factorPanel(int s);
  void solveFactored(double* x) const;

  int n_ = 0;
  int nnz_ = 0;
  bool ordered_ = false;
  std::vector<int> ia_, ja_;      // original upper CSR structure
  std::vector<int> perm_, pinv_;  // perm_[new] = old, pinv_[old] = new
  std::vector<int> aptr_, asrc_, aoff_;  // entries of A by supernode: source index, offset in the panel

  // Supernodes: columns [sfirst_[s], sfirst_[s+1]), rows si_[sp_[s] .. sp_[s+1]) (sorted, the
  // supernode's own columns first), values lx_[sx_[s] ..] as a column-major panel (rows x columns).
  int nsuper_ = 0;
  int npairs_ = 0;
  std::size_t nnzL_ = 0;
  std::vector<int> sfirst_, sp_, si_, snode_;
  std::vector<std::size_t> sx_;
  std::unique_ptr<double[]> lx_;
  std::size_t lxSize_ = 0;
  std::vector<unsigned char> pairFirst_;  // new index k: k and k+1 form a 2x2 pivot
  std::vector<double> d_, dsub_;          // D: diagonal, and the 2x2 blocks' off-diagonal (at the first index)

  // Factorisation work space.
  std::vector<int> map_, rel_, head_, next_, pos_;
  std::vector<double> cbuf_, wbuf_, ubuf_, tmp0_, tmp1_;

  int negStart_ = 0;
  std::vector<double> rowmax_;
  double globalMax_ = 0.0;
  mutable std::vector<double> work_;
  std::vector<double> resid_, scale_, xprev_, rhs_;
  const double* values_ = nullptr;
  int negPivots_ = 0;
  int perturbed_ = 0;
  int perturbedSingles_ = 0;
  double maxGrowth_ = 0.0;
  int solves_ = 0;
  int refineSteps_ = 0;
  LdlStats stats_;
};

}  // namespace mpopf

#endif
