// Glue between Ipopt 3.11.9 and JavaScript for mpopf's WebAssembly build (mpopf's own code).
//
// * MpopfLdlInterface: Ipopt's SparseSymLinearSolverInterface backed by mpopf::SparseLdl, plugged in
//   as the "custom" linear solver through AlgorithmBuilder's custom augmented-system solver.
// * JsTnlp: a TNLP whose callbacks are JavaScript functions imported from glue/library.js. A callback
//   that throws in JavaScript returns -1; the glue then throws CallbackError, which unwinds Ipopt
//   cleanly (wasm exceptions) and ends the solve with NonIpopt_Exception_Thrown. The JavaScript side
//   keeps the original error and rethrows it.
// * A small C API (mp_*) used by solvers/ipopt/wasm-solver.ts.
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "IpAlgBuilder.hpp"
#include "IpIpoptApplication.hpp"
#include "IpIpoptCalculatedQuantities.hpp"
#include "IpIpoptData.hpp"
#include "IpJournalist.hpp"
#include "IpSolveStatistics.hpp"
#include "IpSparseSymLinearSolverInterface.hpp"
#include "IpStdAugSystemSolver.hpp"
#include "IpTNLP.hpp"
#include "IpTNLPAdapter.hpp"
#include "IpTSymLinearSolver.hpp"
#include "IpTimingStatistics.hpp"
#include "sparse_ldl.hpp"

extern "C" {
// Imported from glue/library.js. Return 1 on success, -1 if the JavaScript callback threw.
int mp_js_eval_f(int n, const double* x, int new_x, double* obj);
int mp_js_eval_grad_f(int n, const double* x, int new_x, double* grad);
int mp_js_eval_g(int n, const double* x, int new_x, int m, double* g);
int mp_js_eval_jac(int n, const double* x, int new_x, int m, int nnz, double* values);
int mp_js_eval_h(int n, const double* x, int new_x, double obj_factor, int m, const double* lambda, int new_lambda,
                 int nnz, double* values);
int mp_js_intermediate(int mode, int iter, double obj, double inf_pr, double inf_du, double mu);
}

namespace {

using namespace Ipopt;

/// Thrown when a JavaScript callback threw; the message stays on the JavaScript side.
class CallbackError : public std::exception {
 public:
  const char* what() const noexcept override { return "JavaScript callback threw"; }
};

/// What the linear solver reports to the session after a solve (diagnostics and benchmarks).
struct LdlReport {
  mpopf::LdlStats stats;
  std::size_t factorNonzeros = 0;
  int dimension = 0;
};

/// The analyses of the structures this wasm instance factored last (AMD ordering + symbolic analysis): a later
/// solve of a problem with one of these KKT structures (a re-solve; the next macro-iteration of a distributed
/// method, whose areas take turns on a pool worker) starts from it instead of ordering again. Most recently
/// used first; the oldest are dropped while the cache holds more than kAnalysisCacheBytes (the newest is
/// always kept, whatever its size), and all but the newest are dropped before a new analysis is allocated
/// when that would not fit.
constexpr std::size_t kAnalysisCacheBytes = std::size_t(512) << 20;
std::vector<std::unique_ptr<mpopf::SparseLdl>> g_analysisCache;

std::size_t analysisCacheBytes() {
  std::size_t total = 0;
  for (const auto& a : g_analysisCache) total += a->memoryBytes();
  return total;
}

/// Keep an analysis (most recent first), dropping the oldest beyond the budget.
void cacheAnalysis(std::unique_ptr<mpopf::SparseLdl> a) {
  g_analysisCache.insert(g_analysisCache.begin(), std::move(a));
  while (g_analysisCache.size() > 1 && analysisCacheBytes() > kAnalysisCacheBytes) g_analysisCache.pop_back();
}

/// Take the cached analysis of this structure, if there is one.
std::unique_ptr<mpopf::SparseLdl> takeAnalysis(int dim, int nonzeros, const int* ia, const int* ja) {
  for (std::size_t i = 0; i < g_analysisCache.size(); i++) {
    if (g_analysisCache[i]->sameStructure(dim, nonzeros, ia, ja)) {
      std::unique_ptr<mpopf::SparseLdl> a = std::move(g_analysisCache[i]);
      g_analysisCache.erase(g_analysisCache.begin() + static_cast<std::ptrdiff_t>(i));
      return a;
    }
  }
  return nullptr;
}

class MpopfLdlInterface : public SparseSymLinearSolverInterface {
 public:
  explicit MpopfLdlInterface(LdlReport* report) : report_(report) {}
  ~MpopfLdlInterface() override {
    if (ldl_ && analysed_) cacheAnalysis(std::move(ldl_));
  }

  bool InitializeImpl(const OptionsList& options, const std::string& prefix) override {
    (void)options;
    (void)prefix;
    return true;
  }

  ESymSolverStatus InitializeStructure(Index dim, Index nonzeros, const Index* ia, const Index* ja) override {
    dim_ = dim;
    factored_ = false;
    analysed_ = false;
    std::unique_ptr<mpopf::SparseLdl> cached = ldl_ ? nullptr : takeAnalysis(dim, nonzeros, ia, ja);
    if (cached) {
      ldl_ = std::move(cached);
      ldl_->resetStats();
    } else {
      // A new analysis: keep the cache only while the new one (~ the size of the KKT pattern times 40 bytes,
      // a lower bound) fits beside it, so a large problem never runs out of memory for cached small ones.
      const std::size_t need = static_cast<std::size_t>(nonzeros) * 40;
      if (analysisCacheBytes() + need > kAnalysisCacheBytes) g_analysisCache.clear();
      if (!ldl_) ldl_.reset(new mpopf::SparseLdl());
      mpopf::SparseLdl::Status st = ldl_->analyse(dim, nonzeros, ia, ja);
      if (st == mpopf::SparseLdl::OutOfMemory) throw std::bad_alloc();
      if (st != mpopf::SparseLdl::Ok) return SYMSOLVER_FATAL_ERROR;
    }
    values_.assign(static_cast<size_t>(nonzeros), 0.0);
    analysed_ = true;
    report();
    return SYMSOLVER_SUCCESS;
  }

  double* GetValuesArrayPtr() override { return values_.data(); }

  ESymSolverStatus MultiSolve(bool new_matrix, const Index* ia, const Index* ja, Index nrhs, double* rhs_vals,
                              bool check_NegEVals, Index numberOfNegEVals) override {
    (void)ia;
    (void)ja;
    if (new_matrix || !factored_) {
      if (factored_)
        Jnlst().Printf(J_DETAILED, J_LINEAR_ALGEBRA, "mpopf-ldl: %d solve(s), %d refinement step(s) with the last factor\n",
                       ldl_->solvesSinceFactor(), ldl_->refinementStepsSinceFactor());
      if (HaveIpData()) IpData().TimingStats().LinearSystemFactorization().Start();
      const mpopf::SparseLdl::Status st = ldl_->factor(values_.data(), dim_ - numberOfNegEVals);
      if (HaveIpData()) IpData().TimingStats().LinearSystemFactorization().End();
      if (st == mpopf::SparseLdl::OutOfMemory) throw std::bad_alloc();
      if (st != mpopf::SparseLdl::Ok) return SYMSOLVER_FATAL_ERROR;
      factored_ = true;
      negevals_ = ldl_->negativePivots();
      const mpopf::LdlStats& stats = ldl_->stats();
      Jnlst().Printf(J_DETAILED, J_LINEAR_ALGEBRA,
                     "mpopf-ldl: dim %d, nnz(L) %lu, %d negative pivots, %d perturbed; "
                     "%d ordering(s) %.3f s, %d factorization(s) %.3f s, %d solve(s) %.3f s\n",
                     dim_, static_cast<unsigned long>(ldl_->factorNonzeros()), negevals_, ldl_->perturbedPivots(),
                     stats.orderings, stats.orderSeconds, stats.factorizations, stats.factorSeconds,
                     stats.solves, stats.solveSeconds);
    }
    if (check_NegEVals && negevals_ != numberOfNegEVals) {
      report();
      return SYMSOLVER_WRONG_INERTIA;
    }
    if (HaveIpData()) IpData().TimingStats().LinearSystemBackSolve().Start();
    for (Index r = 0; r < nrhs; r++) ldl_->solve(rhs_vals + static_cast<size_t>(r) * static_cast<size_t>(dim_));
    if (HaveIpData()) IpData().TimingStats().LinearSystemBackSolve().End();
    report();
    return SYMSOLVER_SUCCESS;
  }

  Index NumberOfNegEVals() const override { return negevals_; }
  bool IncreaseQuality() override { return false; }
  bool ProvidesInertia() const override { return true; }
  EMatrixFormat MatrixFormat() const override { return CSR_Format_0_Offset; }

 private:
  void report() {
    if (!report_) return;
    report_->stats = ldl_->stats();
    report_->factorNonzeros = ldl_->factorNonzeros();
    report_->dimension = ldl_->dimension();
  }
  LdlReport* report_;
  std::unique_ptr<mpopf::SparseLdl> ldl_;
  bool analysed_ = false;
  std::vector<double> values_;
  Index dim_ = 0;
  Index negevals_ = 0;
  bool factored_ = false;
};

/// Problem data and result buffers, all in wasm memory owned by the JavaScript caller.
struct ProblemData {
  int n, m, nnzJac, nnzHess;
  const double *xL, *xU, *gL, *gU;
  const int *jacRows, *jacCols, *hessRows, *hessCols;
  double *x, *lambda, *zL, *zU, *g, *obj;  // in: starting point / multipliers; out: solution
  bool initMultipliers;
  bool finalized = false;
};

class JsTnlp : public TNLP {
 public:
  explicit JsTnlp(ProblemData* d) : d_(d) {}

  bool get_nlp_info(Index& n, Index& m, Index& nnz_jac_g, Index& nnz_h_lag, IndexStyleEnum& style) override {
    n = d_->n;
    m = d_->m;
    nnz_jac_g = d_->nnzJac;
    nnz_h_lag = d_->nnzHess;
    style = C_STYLE;
    return true;
  }

  bool get_bounds_info(Index n, Number* x_l, Number* x_u, Index m, Number* g_l, Number* g_u) override {
    std::memcpy(x_l, d_->xL, sizeof(double) * static_cast<size_t>(n));
    std::memcpy(x_u, d_->xU, sizeof(double) * static_cast<size_t>(n));
    std::memcpy(g_l, d_->gL, sizeof(double) * static_cast<size_t>(m));
    std::memcpy(g_u, d_->gU, sizeof(double) * static_cast<size_t>(m));
    return true;
  }

  bool get_starting_point(Index n, bool init_x, Number* x, bool init_z, Number* z_L, Number* z_U, Index m,
                          bool init_lambda, Number* lambda) override {
    if (init_x) std::memcpy(x, d_->x, sizeof(double) * static_cast<size_t>(n));
    if ((init_z || init_lambda) && !d_->initMultipliers) return false;
    if (init_z) {
      std::memcpy(z_L, d_->zL, sizeof(double) * static_cast<size_t>(n));
      std::memcpy(z_U, d_->zU, sizeof(double) * static_cast<size_t>(n));
    }
    if (init_lambda) std::memcpy(lambda, d_->lambda, sizeof(double) * static_cast<size_t>(m));
    return true;
  }

  bool eval_f(Index n, const Number* x, bool new_x, Number& obj_value) override {
    return check(mp_js_eval_f(n, x, new_x, &obj_value));
  }

  bool eval_grad_f(Index n, const Number* x, bool new_x, Number* grad_f) override {
    return check(mp_js_eval_grad_f(n, x, new_x, grad_f));
  }

  bool eval_g(Index n, const Number* x, bool new_x, Index m, Number* g) override {
    return check(mp_js_eval_g(n, x, new_x, m, g));
  }

  bool eval_jac_g(Index n, const Number* x, bool new_x, Index m, Index nele_jac, Index* iRow, Index* jCol,
                  Number* values) override {
    if (values == nullptr) {
      std::memcpy(iRow, d_->jacRows, sizeof(int) * static_cast<size_t>(nele_jac));
      std::memcpy(jCol, d_->jacCols, sizeof(int) * static_cast<size_t>(nele_jac));
      return true;
    }
    return check(mp_js_eval_jac(n, x, new_x, m, nele_jac, values));
  }

  bool eval_h(Index n, const Number* x, bool new_x, Number obj_factor, Index m, const Number* lambda,
              bool new_lambda, Index nele_hess, Index* iRow, Index* jCol, Number* values) override {
    if (values == nullptr) {
      // Ipopt wants the lower triangle (row >= col) of the Hessian of the Lagrangian.
      std::memcpy(iRow, d_->hessRows, sizeof(int) * static_cast<size_t>(nele_hess));
      std::memcpy(jCol, d_->hessCols, sizeof(int) * static_cast<size_t>(nele_hess));
      return true;
    }
    return check(mp_js_eval_h(n, x, new_x, obj_factor, m, lambda, new_lambda, nele_hess, values));
  }

  void finalize_solution(SolverReturn status, Index n, const Number* x, const Number* z_L, const Number* z_U,
                         Index m, const Number* g, const Number* lambda, Number obj_value, const IpoptData* ip_data,
                         IpoptCalculatedQuantities* ip_cq) override {
    (void)status;
    (void)ip_data;
    (void)ip_cq;
    std::memcpy(d_->x, x, sizeof(double) * static_cast<size_t>(n));
    std::memcpy(d_->zL, z_L, sizeof(double) * static_cast<size_t>(n));
    std::memcpy(d_->zU, z_U, sizeof(double) * static_cast<size_t>(n));
    std::memcpy(d_->g, g, sizeof(double) * static_cast<size_t>(m));
    std::memcpy(d_->lambda, lambda, sizeof(double) * static_cast<size_t>(m));
    *d_->obj = obj_value;
    d_->finalized = true;
  }

  bool intermediate_callback(AlgorithmMode mode, Index iter, Number obj_value, Number inf_pr, Number inf_du,
                             Number mu, Number d_norm, Number regularization_size, Number alpha_du,
                             Number alpha_pr, Index ls_trials, const IpoptData* ip_data,
                             IpoptCalculatedQuantities* ip_cq) override {
    (void)d_norm;
    (void)regularization_size;
    (void)alpha_du;
    (void)alpha_pr;
    (void)ls_trials;
    (void)ip_data;
    (void)ip_cq;
    int r = mp_js_intermediate(mode == RestorationPhaseMode ? 1 : 0, iter, obj_value, inf_pr, inf_du, mu);
    if (r < 0) throw CallbackError();
    return r != 0;
  }

 private:
  static bool check(int r) {
    if (r < 0) throw CallbackError();
    return r != 0;
  }
  ProblemData* d_;
};

/// Keeps Ipopt's error-level messages (bad option values, exceptions) so they can be put into results.
class CaptureJournal : public Journal {
 public:
  explicit CaptureJournal(std::string* out) : Journal("mpopf-capture", J_ERROR), out_(out) {}

 protected:
  void PrintImpl(EJournalCategory category, EJournalLevel level, const char* str) override {
    (void)category;
    (void)level;
    append(str);
  }
  void PrintfImpl(EJournalCategory category, EJournalLevel level, const char* pformat, va_list ap) override {
    (void)category;
    (void)level;
    char buf[2048];
    std::vsnprintf(buf, sizeof(buf), pformat, ap);
    append(buf);
  }
  void FlushBufferImpl() override {}

 private:
  void append(const char* str) {
    if (out_->size() < 8192) out_->append(str);
  }
  std::string* out_;
};

struct Session {
  SmartPtr<IpoptApplication> app;
  std::string messages;
  int iterations = -1;
  bool finalized = false;
  LdlReport ldl;
  /// Ipopt's timing statistics of the last solve (wall-clock seconds), see mp_timings.
  double ipoptTimes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
};

}  // namespace

extern "C" {

/// A new Ipopt application. Error-level messages are captured (mp_messages); the console journal is added
/// in mp_solve, so that option errors before the solve are not printed.
Session* mp_new() {
  Session* s = new Session();
  s->app = new IpoptApplication(false, false);
  s->app->Jnlst()->AddJournal(new CaptureJournal(&s->messages));
  return s;
}

/// Captured error-level messages (NUL-terminated, owned by the session).
const char* mp_messages(Session* s) { return s->messages.c_str(); }

void mp_delete(Session* s) { delete s; }

/// Registered type of an Ipopt option: 0 unknown, 1 number, 2 integer, 3 string.
int mp_option_type(Session* s, const char* name) {
  SmartPtr<const RegisteredOption> opt = s->app->RegOptions()->GetOption(name);
  if (IsNull(opt)) return 0;
  switch (opt->Type()) {
    case OT_Number:
      return 1;
    case OT_Integer:
      return 2;
    case OT_String:
      return 3;
    default:
      return 0;
  }
}

int mp_set_num_option(Session* s, const char* name, double value) {
  return s->app->Options()->SetNumericValue(name, value) ? 1 : 0;
}

int mp_set_int_option(Session* s, const char* name, int value) {
  return s->app->Options()->SetIntegerValue(name, value) ? 1 : 0;
}

int mp_set_str_option(Session* s, const char* name, const char* value) {
  return s->app->Options()->SetStringValue(name, value) ? 1 : 0;
}

/// Solve; returns Ipopt's ApplicationReturnStatus. Results are written into x, lambda, zL, zU, g, obj.
int mp_solve(Session* s, int n, int m, const double* xL, const double* xU, const double* gL, const double* gU,
             int nnzJac, const int* jacRows, const int* jacCols, int nnzHess, const int* hessRows,
             const int* hessCols, double* x, double* lambda, double* zL, double* zU, double* g, double* obj,
             int initMultipliers) {
  // The only linear solver in this build is mpopf's LDL^T, Ipopt's "custom" solver.
  s->app->Options()->SetStringValue("linear_solver", "custom");
  // Console output (Ipopt's print_level decides how much; set by Initialize).
  SmartPtr<Journal> console = s->app->Jnlst()->AddFileJournal("console", "stdout", J_ITERSUMMARY);
  if (IsValid(console)) console->SetPrintLevel(J_DBG, J_NONE);
  ApplicationReturnStatus status = s->app->Initialize();
  if (status != Solve_Succeeded) return status;
  ProblemData d;
  d.n = n;
  d.m = m;
  d.nnzJac = nnzJac;
  d.nnzHess = nnzHess;
  d.xL = xL;
  d.xU = xU;
  d.gL = gL;
  d.gU = gU;
  d.jacRows = jacRows;
  d.jacCols = jacCols;
  d.hessRows = hessRows;
  d.hessCols = hessCols;
  d.x = x;
  d.lambda = lambda;
  d.zL = zL;
  d.zU = zU;
  d.g = g;
  d.obj = obj;
  d.initMultipliers = initMultipliers != 0;
  SmartPtr<TNLP> tnlp = new JsTnlp(&d);
  SmartPtr<NLP> nlp = new TNLPAdapter(GetRawPtr(tnlp), ConstPtr(s->app->Jnlst()));
  s->ldl = LdlReport();
  SmartPtr<SymLinearSolver> linear = new TSymLinearSolver(new MpopfLdlInterface(&s->ldl), nullptr);
  SmartPtr<AugSystemSolver> aug = new StdAugSystemSolver(*linear);
  SmartPtr<AlgorithmBuilder> builder = new AlgorithmBuilder(aug);
  status = s->app->OptimizeNLP(nlp, builder);
  SmartPtr<SolveStatistics> stats = s->app->Statistics();
  s->iterations = IsValid(stats) ? stats->IterationCount() : -1;
  SmartPtr<IpoptData> data = s->app->IpoptDataObject();
  if (IsValid(data)) {
    TimingStatistics& t = data->TimingStats();
    s->ipoptTimes[0] = t.OverallAlgorithm().TotalWallclockTime();
    s->ipoptTimes[1] = t.InitializeIterates().TotalWallclockTime();
    s->ipoptTimes[2] = t.StdAugSystemSolverMultiSolve().TotalWallclockTime();
    s->ipoptTimes[3] = t.LinearSystemStructureConverter().TotalWallclockTime();
    s->ipoptTimes[4] = t.LinearSystemFactorization().TotalWallclockTime();
    s->ipoptTimes[5] = t.LinearSystemBackSolve().TotalWallclockTime();
    s->ipoptTimes[6] = 0;
    s->ipoptTimes[7] = 0;
  }
  s->finalized = d.finalized;
  return status;
}

int mp_iterations(Session* s) { return s->iterations; }

/// Timings and counts of the last solve, written into out[0..24) (wall-clock seconds unless noted):
///  0 Ipopt overall, 1 initialisation, 2 augmented-system solves (KKT assembly + linear solver),
///  3 triplet-to-CSR conversion, 4 factorisation calls (incl. ordering), 5 back-solve calls,
///  6 (unused), 7 (unused),
///  8 LDL ordering (AMD + symbolic analysis), 9 LDL numeric factorisation, 10 LDL solves (incl.
///  refinement), 11 LDL refinement part, 12 orderings, 13 factorisations, 14 solves, 15 refinement steps,
///  16 nnz(L), 17 dimension, 18 perturbed pivots in the last factorisation, 19..23 (unused).
void mp_timings(Session* s, double* out) {
  for (int i = 0; i < 24; i++) out[i] = 0;
  for (int i = 0; i < 8; i++) out[i] = s->ipoptTimes[i];
  const LdlReport& r = s->ldl;
  out[8] = r.stats.orderSeconds;
  out[9] = r.stats.factorSeconds;
  out[10] = r.stats.solveSeconds;
  out[11] = r.stats.refineSeconds;
  out[12] = r.stats.orderings;
  out[13] = r.stats.factorizations;
  out[14] = r.stats.solves;
  out[15] = r.stats.refinementSteps;
  out[16] = static_cast<double>(r.factorNonzeros);
  out[17] = r.dimension;
  out[18] = r.stats.perturbedPivots;
}
int mp_finalized(Session* s) { return s->finalized ? 1 : 0; }

}  // extern "C"
