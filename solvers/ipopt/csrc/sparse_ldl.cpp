// Sparse symmetric indefinite LDL^T: static 2x2 pivots from a matching, AMD on the compressed graph,
// relaxed supernodes, left-looking supernodal factorisation, per-row static pivoting (mpopf's own code).
// See sparse_ldl.hpp for the method.
#include "sparse_ldl.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#ifdef MPOPF_LDL_EXPERIMENT
#include <cstdlib>
#include <cstdio>
extern "C" { int METIS_SetDefaultOptions(long long*); int METIS_NodeND(long long*, long long*, long long*, long long*, long long*, long long*, long long*); }
#endif
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

/// Dense lower-trapezoid storage of a panel with `ncol` columns and `nrow` rows (rows >= columns).
std::size_t panelSize(std::size_t nrow, std::size_t ncol) { return nrow * ncol; }

}  // namespace

SparseLdl::Status SparseLdl::analyse(int n, int nnz, const int* ia, const int* ja) {
  try {
    n_ = n;
    nnz_ = nnz;
    ordered_ = false;
    if (n < 0 || nnz < 0 || ia[0] != 0 || ia[n] != nnz) return BadStructure;
    ia_.assign(ia, ia + n + 1);
    ja_.assign(ja, ja + nnz);
    for (int i = 0; i < n; i++)
      for (int p = ia[i]; p < ia[i + 1]; p++)
        if (ja[p] < i || ja[p] >= n) return BadStructure;
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

void SparseLdl::rowMaxima(const double* values) {
  const int n = n_;
  for (int i = 0; i < n; i++) rowmax_[i] = 0.0;
  double globalMax = 0.0;
  for (int i = 0; i < n; i++)
    for (int p = ia_[i]; p < ia_[i + 1]; p++) {
      const double a = std::fabs(values[p]);
      const int j = ja_[p];
      if (a > rowmax_[i]) rowmax_[i] = a;
      if (a > rowmax_[j]) rowmax_[j] = a;
      if (a > globalMax) globalMax = a;
    }
  globalMax_ = globalMax;
}

SparseLdl::Status SparseLdl::order(const double* values, int negStart, bool freshOrdering) {
  const int n = n_;
  const int* ia = ia_.data();
  const int* ja = ja_.data();

#ifdef MPOPF_LDL_EXPERIMENT
  if (std::getenv("LDL_TIMES")) std::fprintf(stderr, "section 1 at %.3f\n", nowSeconds());
#endif
  // ---- 1. Matching of constraint rows (>= negStart) with primal rows through large entries. ----
  // Weight of an entry a_jc: w = |a| / sqrt(rowmax_j rowmax_c) (the entry after symmetric scaling by
  // the row maxima; the pair's small eigenvalue is then about -w^2). Rows are matched level by level,
  // w >= 0.5, 0.1, 1e-2, 1e-3, 1e-4: at each level first greedily (a constraint row takes its heaviest
  // free partner, primal rows with a (nearly) zero diagonal preferred), then by augmenting paths that
  // use only edges of that level, so a good pair is never traded for a poor one. A constraint row left
  // without a partner is a 1x1 pivot.
  std::vector<int> mate(n, -1);
  bool usePairs = true;
#ifdef MPOPF_LDL_EXPERIMENT
  if (std::getenv("LDL_NOPAIRS")) usePairs = false;
#endif
  if (usePairs && negStart > 0 && negStart < n) {
    const int m = n - negStart;
    std::vector<double> diag(negStart, 0.0);
    for (int j = 0; j < negStart; j++)
      if (ia[j] < ia[j + 1] && ja[ia[j]] == j) diag[j] = std::fabs(values[ia[j]]);
    // Candidate lists per constraint row, heaviest first (zero-diagonal primal rows before others).
    std::vector<int> cptr(m + 1, 0);
    for (int j = 0; j < negStart; j++)
      for (int p = ia[j]; p < ia[j + 1]; p++)
        if (ja[p] >= negStart && values[p] != 0.0) cptr[ja[p] - negStart + 1]++;
    for (int c = 0; c < m; c++) cptr[c + 1] += cptr[c];
    std::vector<int> cadj(cptr[m]);
    std::vector<float> cw(cptr[m]);
    {
      std::vector<int> fill(cptr.begin(), cptr.end() - 1);
      for (int j = 0; j < negStart; j++)
        for (int p = ia[j]; p < ia[j + 1]; p++) {
          const int c = ja[p];
          if (c < negStart || values[p] == 0.0) continue;
          const int q = fill[c - negStart]++;
          cadj[q] = j;
          cw[q] = static_cast<float>(std::fabs(values[p]) / std::sqrt(rowmax_[j] * rowmax_[c]));
        }
    }
    std::vector<unsigned char> needsPartner(negStart);
    for (int j = 0; j < negStart; j++) needsPartner[j] = !(diag[j] > 1e-8 * rowmax_[j]);
    // Sort each candidate list by weight, heaviest first (insertion sort: the lists are short).
    for (int c = 0; c < m; c++) {
      for (int q = cptr[c] + 1; q < cptr[c + 1]; q++) {
        const float wq = cw[q];
        const int jq = cadj[q];
        int z = q;
        for (; z > cptr[c] && cw[z - 1] < wq; z--) {
          cw[z] = cw[z - 1];
          cadj[z] = cadj[z - 1];
        }
        cw[z] = wq;
        cadj[z] = jq;
      }
    }
    const float levels[] = {0.5f, 0.1f, 1e-2f, 1e-3f, 1e-4f};
    std::vector<int> visited(negStart, -1), stackC, stackIt;
    int stamp = 0;
    for (const float theta : levels) {
      // Greedy: zero-diagonal partners first, then the heaviest free one.
      for (int pass = 0; pass < 2; pass++)
        for (int c = 0; c < m; c++) {
          if (mate[negStart + c] >= 0) continue;
          for (int q = cptr[c]; q < cptr[c + 1] && cw[q] >= theta; q++) {
            const int j = cadj[q];
            if (mate[j] < 0 && (pass == 1 || needsPartner[j])) {
              mate[j] = negStart + c;
              mate[negStart + c] = j;
              break;
            }
          }
        }
      // Augmenting paths over edges of this level, in phases (visited marks shared within a phase).
      for (bool progress = true; progress;) {
        progress = false;
        stamp++;
        for (int c0 = 0; c0 < m; c0++) {
          if (mate[negStart + c0] >= 0) continue;
          stackC.clear();
          stackIt.clear();
          stackC.push_back(c0);
          stackIt.push_back(cptr[c0]);
          bool found = false;
          while (!stackC.empty() && !found) {
            const int c = stackC.back();
            int& it = stackIt.back();
            if (it == cptr[c + 1] || cw[it] < theta) {
              stackC.pop_back();
              stackIt.pop_back();
              continue;
            }
            const int j = cadj[it++];
            if (visited[j] == stamp) continue;
            visited[j] = stamp;
            if (mate[j] < 0) {
              // Flip the path: every constraint row on the stack takes the primal row it reached.
              int jj = j;
              for (int k = static_cast<int>(stackC.size()) - 1; k >= 0; k--) {
                const int ck = negStart + stackC[k];
                const int old = mate[ck];
                mate[ck] = jj;
                mate[jj] = ck;
                jj = old;
              }
              found = true;
            } else {
              const int cn = mate[j] - negStart;
              stackC.push_back(cn);
              stackIt.push_back(cptr[cn]);
            }
          }
          if (found) progress = true;
        }
      }
    }
    // A zero-diagonal primal row left single takes over a constraint row whose partner has a diagonal.
    for (int c = 0; c < m; c++) {
      const int j0 = mate[negStart + c];
      if (j0 < 0 || needsPartner[j0]) continue;
      for (int q = cptr[c]; q < cptr[c + 1] && cw[q] >= 1e-3f; q++) {
        const int j = cadj[q];
        if (mate[j] < 0 && needsPartner[j]) {
          mate[j0] = -1;
          mate[j] = negStart + c;
          mate[negStart + c] = j;
          break;
        }
      }
    }
  }

#ifdef MPOPF_LDL_EXPERIMENT
  if (std::getenv("LDL_TIMES")) std::fprintf(stderr, "section 2 at %.3f\n", nowSeconds());
#endif
  // ---- 2. Compressed graph (a pair is one node) and AMD on it. ----
  std::vector<int> node(n), nodeFirst, nodeSecond;
  nodeFirst.reserve(n);
  nodeSecond.reserve(n);
  int npairs = 0;
  for (int i = 0; i < n; i++) {
    const int mt = mate[i];
    if (mt >= 0 && mt < i) continue;
    if (mt >= 0) {
      // Primal row first, constraint row second.
      const int pr = i < negStart ? i : mt, co = i < negStart ? mt : i;
      node[pr] = node[co] = static_cast<int>(nodeFirst.size());
      nodeFirst.push_back(pr);
      nodeSecond.push_back(co);
      npairs++;
    } else {
      node[i] = static_cast<int>(nodeFirst.size());
      nodeFirst.push_back(i);
      nodeSecond.push_back(-1);
    }
  }
  for (int i = 0; i < n; i++)
    if (mate[i] >= 0 && mate[i] < i) node[i] = node[mate[i]];
  const int nc = static_cast<int>(nodeFirst.size());
  std::vector<int> perm0(n);
  if (!perm_.empty() && static_cast<int>(perm_.size()) == n && !freshOrdering) {
    // Re-pairing: keep the previous elimination order and put each pair where its later row was.
    std::vector<int> at(n, -1);
    for (int u = 0; u < nc; u++) {
      const int a = pinv_[nodeFirst[u]];
      const int b = nodeSecond[u] >= 0 ? pinv_[nodeSecond[u]] : a;
      at[std::max(a, b)] = u;
    }
    int k = 0;
    for (int q = 0; q < n; q++) {
      const int u = at[q];
      if (u < 0) continue;
      perm0[k++] = nodeFirst[u];
      if (nodeSecond[u] >= 0) perm0[k++] = nodeSecond[u];
    }
  } else {
    // Edges (u < v) bucketed by u, then appended to column v in increasing u: sorted, deduplicated.
    std::vector<int> uptr(nc + 1, 0);
    for (int i = 0; i < n; i++)
      for (int p = ia[i]; p < ia[i + 1]; p++) {
        const int u = node[i], v = node[ja[p]];
        if (u != v) uptr[std::min(u, v) + 1]++;
      }
    for (int u = 0; u < nc; u++) uptr[u + 1] += uptr[u];
    std::vector<int> uadj(uptr[nc]);
    {
      std::vector<int> fill(uptr.begin(), uptr.end() - 1);
      for (int i = 0; i < n; i++)
        for (int p = ia[i]; p < ia[i + 1]; p++) {
          const int u = node[i], v = node[ja[p]];
          if (u != v) uadj[fill[std::min(u, v)]++] = std::max(u, v);
        }
    }
    std::vector<int> cp(nc + 1, 0), last(nc, -1);
    for (int u = 0; u < nc; u++)
      for (int q = uptr[u]; q < uptr[u + 1]; q++) {
        const int v = uadj[q];
        if (last[v] != u) {
          last[v] = u;
          cp[v + 1]++;
        }
      }
    for (int v = 0; v < nc; v++) cp[v + 1] += cp[v];
    std::vector<int> ci(cp[nc]);
    std::fill(last.begin(), last.end(), -1);
    {
      std::vector<int> fill(cp.begin(), cp.end() - 1);
      for (int u = 0; u < nc; u++)
        for (int q = uptr[u]; q < uptr[u + 1]; q++) {
          const int v = uadj[q];
          if (last[v] != u) {
            last[v] = u;
            ci[fill[v]++] = u;
          }
        }
    }
    std::vector<int>().swap(uadj);
    std::vector<int> cperm(nc);
    for (int u = 0; u < nc; u++) cperm[u] = u;
    if (nc > 1 && cp[nc] > 0) {
      double control[AMD_CONTROL], info[AMD_INFO];
      amd_defaults(control);
      const int st = amd_order(nc, cp.data(), ci.data(), cperm.data(), control, info);
      if (st == AMD_OUT_OF_MEMORY) return OutOfMemory;
      if (st != AMD_OK && st != AMD_OK_BUT_JUMBLED) return OrderingFailed;
    }
#ifdef MPOPF_LDL_EXPERIMENT
    if (const char* v = std::getenv("LDL_VARIANT"); v && v[0] == 'm') {
      // METIS nested dissection on the compressed graph (full adjacency, no diagonal).
      std::vector<long long> xadj(nc + 1, 0), adj;
      std::vector<std::vector<int>> nb(nc);
      for (int vv = 0; vv < nc; vv++)
        for (int q = cp[vv]; q < cp[vv + 1]; q++) { nb[vv].push_back(ci[q]); nb[ci[q]].push_back(vv); }
      for (int u = 0; u < nc; u++) { xadj[u + 1] = xadj[u] + nb[u].size(); for (int x : nb[u]) adj.push_back(x); }
      std::vector<long long> mperm(nc), miperm(nc);
      long long nvtx = nc;
      long long opts[40];
      METIS_SetDefaultOptions(opts);
      METIS_NodeND(&nvtx, xadj.data(), adj.data(), nullptr, opts, mperm.data(), miperm.data());
      for (int u = 0; u < nc; u++) cperm[u] = static_cast<int>(mperm[u]);
    } else if (const char* v = std::getenv("LDL_VARIANT")) {
      std::vector<int> fperm(n), fpos(n);
      double control[AMD_CONTROL], info[AMD_INFO];
      amd_defaults(control);
      amd_order(n, ia, ja, fperm.data(), control, info);
      for (int q = 0; q < n; q++) fpos[fperm[q]] = q;
      std::vector<std::pair<int, int>> key(nc);
      for (int u = 0; u < nc; u++) {
        int a = fpos[nodeFirst[u]], b = nodeSecond[u] >= 0 ? fpos[nodeSecond[u]] : a;
        key[u] = {v[0] == 'x' ? std::max(a, b) : std::min(a, b), u};
      }
      std::sort(key.begin(), key.end());
      for (int u = 0; u < nc; u++) cperm[u] = key[u].second;
    }
#endif
    int k = 0;
    for (int q = 0; q < nc; q++) {
      const int u = cperm[q];
      perm0[k++] = nodeFirst[u];
      if (nodeSecond[u] >= 0) perm0[k++] = nodeSecond[u];
    }
  }

#ifdef MPOPF_LDL_EXPERIMENT
  if (std::getenv("LDL_TIMES")) std::fprintf(stderr, "section 3 at %.3f\n", nowSeconds());
#endif
  // ---- 3. Elimination tree and column counts of the permuted matrix; postorder. ----
  std::vector<int> pinv0(n);
  for (int k = 0; k < n; k++) pinv0[perm0[k]] = k;
  // Upper triangle of C = P A P^T by columns, diagonal excluded: column k holds rows i < k.
  std::vector<int> up(n + 1, 0);
  for (int i = 0; i < n; i++)
    for (int p = ia[i]; p < ia[i + 1]; p++) {
      const int a = pinv0[i], b = pinv0[ja[p]];
      if (a != b) up[std::max(a, b) + 1]++;
    }
  for (int k = 0; k < n; k++) up[k + 1] += up[k];
  std::vector<int> ui(up[n]);
  {
    std::vector<int> fill(up.begin(), up.end() - 1);
    for (int i = 0; i < n; i++)
      for (int p = ia[i]; p < ia[i + 1]; p++) {
        const int a = pinv0[i], b = pinv0[ja[p]];
        if (a != b) ui[fill[std::max(a, b)]++] = std::min(a, b);
      }
  }
  std::vector<int> parent0(n, -1), cnt0(n, 0), flag(n, -1);
  for (int k = 0; k < n; k++) {
    flag[k] = k;
    for (int p = up[k]; p < up[k + 1]; p++)
      for (int i = ui[p]; i < k && flag[i] != k; i = parent0[i]) {
        if (parent0[i] == -1) parent0[i] = k;
        cnt0[i]++;
        flag[i] = k;
      }
  }
  std::vector<int>().swap(ui);
  std::vector<int>().swap(up);
  // pair0[k]: k and k+1 are a pair (in perm0).
  std::vector<unsigned char> pair0(n, 0);
  for (int k = 0; k + 1 < n; k++)
    if (mate[perm0[k]] == perm0[k + 1]) pair0[k] = 1;
  // Postorder (children in increasing order, a pair's first row visited last among its partner's
  // children so that the pair stays adjacent).
  std::vector<int> post(n);
  {
    std::vector<int> chead(n, -1), cnext(n, -1);
    for (int k = n - 1; k >= 0; k--) {
      const int p = parent0[k];
      if (p < 0 || (pair0[k] && p == k + 1)) continue;
      cnext[k] = chead[p];
      chead[p] = k;
    }
    // Append the pair child at the end of its parent's list.
    for (int k = 0; k + 1 < n; k++)
      if (pair0[k] && parent0[k] == k + 1) {
        int* slot = &chead[k + 1];
        while (*slot >= 0) slot = &cnext[*slot];
        *slot = k;
        cnext[k] = -1;
      }
    std::vector<int> stack;
    int kk = 0;
    for (int r = 0; r < n; r++) {
      if (parent0[r] >= 0) continue;
      stack.push_back(r);
      while (!stack.empty()) {
        const int v = stack.back();
        const int c = chead[v];
        if (c >= 0) {
          chead[v] = cnext[c];
          stack.push_back(c);
        } else {
          stack.pop_back();
          post[kk++] = v;
        }
      }
    }
  }
  perm_.assign(n, 0);
  pinv_.assign(n, 0);
  std::vector<int> postinv(n);
  for (int k = 0; k < n; k++) postinv[post[k]] = k;
  std::vector<int> parent(n), cnt(n);
  pairFirst_.assign(n, 0);
  for (int k = 0; k < n; k++) {
    perm_[k] = perm0[post[k]];
    parent[k] = parent0[post[k]] < 0 ? -1 : postinv[parent0[post[k]]];
    cnt[k] = cnt0[post[k]];
  }
  for (int k = 0; k < n; k++) pinv_[perm_[k]] = k;
  npairs = 0;
  for (int k = 0; k + 1 < n; k++)
    if (mate[perm_[k]] == perm_[k + 1]) {
      pairFirst_[k] = 1;
      npairs++;
      k++;
    }
  npairs_ = npairs;
  std::size_t nnzL = 0;
  for (int k = 0; k < n; k++) nnzL += static_cast<std::size_t>(cnt[k]);
  nnzL_ = nnzL;
  std::vector<int>().swap(parent0);
  std::vector<int>().swap(cnt0);
  std::vector<int>().swap(perm0);
  std::vector<int>().swap(pinv0);
  std::vector<int>().swap(post);
  std::vector<int>().swap(postinv);

#ifdef MPOPF_LDL_EXPERIMENT
  if (std::getenv("LDL_TIMES")) std::fprintf(stderr, "section 4 at %.3f\n", nowSeconds());
#endif
  // ---- 4. Fundamental supernodes (pairs always together), then relaxed amalgamation. ----
  std::vector<int> fsFirst;
  fsFirst.reserve(n / 2 + 1);
  for (int k = 0; k < n; k++) {
    const bool join = k > 0 && ((pairFirst_[k - 1]) || (parent[k - 1] == k && cnt[k - 1] == cnt[k] + 1));
    if (!join) fsFirst.push_back(k);
  }
  const int nfs = static_cast<int>(fsFirst.size());
  fsFirst.push_back(n);
  std::vector<int> fsOf(n);
  for (int s = 0; s < nfs; s++)
    for (int k = fsFirst[s]; k < fsFirst[s + 1]; k++) fsOf[k] = s;
  // Rows of a fundamental supernode = its columns + the structure below its last column; the structure
  // size is max over its columns of (count - columns after it in the supernode).
  std::vector<long long> fsRows(nfs), fsActual(nfs);
  std::vector<int> fsParent(nfs, -1);
  for (int s = 0; s < nfs; s++) {
    const int f = fsFirst[s], l = fsFirst[s + 1] - 1;
    long long below = 0, actual = 0;
    for (int k = f; k <= l; k++) {
      below = std::max<long long>(below, static_cast<long long>(cnt[k]) - (l - k));
      actual += cnt[k] + 1;
    }
    fsRows[s] = (l - f + 1) + below;
    fsActual[s] = actual;
    fsParent[s] = parent[l] < 0 ? -1 : fsOf[parent[l]];
  }
  // Relaxed amalgamation (backwards; a supernode merges into the group that starts right after it when
  // its parent lies in that group).
  std::vector<int> merged(nfs, 0);  // merged[s] = 1: s joins the group of s + 1
  {
    long long gCols = 0, gRows = 0, gActual = 0;
    int gFirst = -1, gLast = -1;  // fundamental supernode range of the open group
    for (int s = nfs - 1; s >= 0; s--) {
      const long long sCols = fsFirst[s + 1] - fsFirst[s];
      bool take = false;
      if (gFirst == s + 1 && fsParent[s] >= gFirst && fsParent[s] <= gLast) {
        const long long cols = sCols + gCols;
        const long long rows = sCols + gRows;
        const long long dense = cols * rows - cols * (cols - 1) / 2;
        const long long actual = fsActual[s] + gActual;
        const double zeros = static_cast<double>(dense - actual) / static_cast<double>(dense);
        take = cols <= 4 || (cols <= 16 && zeros < 0.5) || (cols <= 48 && zeros < 0.1) || zeros < 0.05;
#ifdef MPOPF_LDL_EXPERIMENT
        if (const char* rv = std::getenv("LDL_RELAX")) {
          double c0, z0, c1, z1;
          std::sscanf(rv, "%lf,%lf,%lf,%lf", &c0, &z0, &c1, &z1);
          take = (cols <= c0 && zeros < z0) || (cols <= c1 && zeros < z1);
        }
#endif
        if (take) {
          merged[s] = 1;
          gCols = cols;
          gRows = rows;
          gActual = actual;
          gFirst = s;
        }
      }
      if (!take) {
        gFirst = gLast = s;
        gCols = sCols;
        gRows = fsRows[s];
        gActual = fsActual[s];
      }
    }
  }
  std::vector<long long>().swap(fsActual);
  sfirst_.clear();
  for (int s = 0; s < nfs; s++)
    if (s == 0 || !merged[s - 1]) sfirst_.push_back(fsFirst[s]);
  nsuper_ = static_cast<int>(sfirst_.size());
  sfirst_.push_back(n);
  snode_.assign(n, 0);
  for (int s = 0; s < nsuper_; s++)
    for (int k = sfirst_[s]; k < sfirst_[s + 1]; k++) snode_[k] = s;
  std::vector<int>().swap(fsFirst);
  std::vector<int>().swap(fsOf);
  std::vector<long long>().swap(fsRows);
  std::vector<int>().swap(fsParent);
  std::vector<int>().swap(merged);

#ifdef MPOPF_LDL_EXPERIMENT
  if (std::getenv("LDL_TIMES")) std::fprintf(stderr, "section 5 at %.3f\n", nowSeconds());
#endif
  // ---- 5. Row structure of every supernode: its columns, then the rows below its last column of A's
  // columns and of its children's structures (children come first in the postorder). ----
  {
    // Lower triangle of C by columns (rows i > k), for the structure.
    std::vector<int> lp(n + 1, 0);
    for (int i = 0; i < n; i++)
      for (int p = ia[i]; p < ia[i + 1]; p++) {
        const int a = pinv_[i], b = pinv_[ja[p]];
        if (a != b) lp[std::min(a, b) + 1]++;
      }
    for (int k = 0; k < n; k++) lp[k + 1] += lp[k];
    std::vector<int> li(lp[n]);
    {
      std::vector<int> fill(lp.begin(), lp.end() - 1);
      for (int i = 0; i < n; i++)
        for (int p = ia[i]; p < ia[i + 1]; p++) {
          const int a = pinv_[i], b = pinv_[ja[p]];
          if (a != b) li[fill[std::min(a, b)]++] = std::max(a, b);
        }
    }
    std::vector<int> sparent(nsuper_, -1), chead(nsuper_, -1), cnext(nsuper_, -1), mark(n, -1);
    sp_.assign(nsuper_ + 1, 0);
    si_.clear();
    si_.reserve(nnzL / 2 + static_cast<std::size_t>(n));
    std::vector<int> rows;
    for (int s = 0; s < nsuper_; s++) {
      const int f = sfirst_[s], l = sfirst_[s + 1] - 1;
      rows.clear();
      for (int k = f; k <= l; k++)
        for (int p = lp[k]; p < lp[k + 1]; p++) {
          const int i = li[p];
          if (i > l && mark[i] != s) {
            mark[i] = s;
            rows.push_back(i);
          }
        }
      for (int c = chead[s]; c >= 0; c = cnext[c])
        for (int p = sp_[c] + (sfirst_[c + 1] - sfirst_[c]); p < sp_[c + 1]; p++) {
          const int i = si_[p];
          if (i > l && mark[i] != s) {
            mark[i] = s;
            rows.push_back(i);
          }
        }
      std::sort(rows.begin(), rows.end());
      for (int k = f; k <= l; k++) si_.push_back(k);
      si_.insert(si_.end(), rows.begin(), rows.end());
      sp_[s + 1] = static_cast<int>(si_.size());
      if (!rows.empty()) {
        const int ps = snode_[rows[0]];
        sparent[s] = ps;
        cnext[s] = chead[ps];
        chead[ps] = s;
      }
    }
    si_.shrink_to_fit();
  }

#ifdef MPOPF_LDL_EXPERIMENT
  if (std::getenv("LDL_TIMES")) std::fprintf(stderr, "section 6 at %.3f\n", nowSeconds());
#endif
  // ---- 6. Storage and the destination of every original nonzero. ----
  sx_.assign(nsuper_ + 1, 0);
  std::size_t maxRows = 0, maxCols = 0;
  for (int s = 0; s < nsuper_; s++) {
    const std::size_t r = static_cast<std::size_t>(sp_[s + 1] - sp_[s]);
    const std::size_t w = static_cast<std::size_t>(sfirst_[s + 1] - sfirst_[s]);
    sx_[s + 1] = sx_[s] + panelSize(r, w);
    maxRows = std::max(maxRows, r);
    maxCols = std::max(maxCols, w);
  }
  if (maxRows * maxCols >= static_cast<std::size_t>(std::numeric_limits<int>::max())) return OutOfMemory;
  // Panels are zeroed when they are assembled: no need to initialise the storage here.
  lx_.reset();
  lxSize_ = sx_[nsuper_];
  lx_.reset(new double[lxSize_ > 0 ? lxSize_ : 1]);
  d_.assign(n, 0.0);
  dsub_.assign(n, 0.0);
  map_.assign(n, 0);
  {
    // Entries of A grouped by the supernode of their column (the smaller permuted index), with their
    // offset inside that supernode's panel.
    aptr_.assign(nsuper_ + 1, 0);
    for (int i = 0; i < n_; i++)
      for (int p = ia[i]; p < ia[i + 1]; p++) aptr_[snode_[std::min(pinv_[i], pinv_[ja[p]])] + 1]++;
    for (int s = 0; s < nsuper_; s++) aptr_[s + 1] += aptr_[s];
    asrc_.assign(nnz_, 0);
    aoff_.assign(nnz_, 0);
    {
      std::vector<int> fill(aptr_.begin(), aptr_.end() - 1);
      for (int i = 0; i < n_; i++)
        for (int p = ia[i]; p < ia[i + 1]; p++) asrc_[fill[snode_[std::min(pinv_[i], pinv_[ja[p]])]]++] = p;
    }
    std::vector<int> rowOf(nnz_);
    for (int i = 0; i < n_; i++)
      for (int p = ia[i]; p < ia[i + 1]; p++) rowOf[p] = i;
    for (int s = 0; s < nsuper_; s++) {
      const int f = sfirst_[s];
      const int r = sp_[s + 1] - sp_[s];
      for (int q = sp_[s]; q < sp_[s + 1]; q++) map_[si_[q]] = q - sp_[s];
      for (int q = aptr_[s]; q < aptr_[s + 1]; q++) {
        const int p = asrc_[q];
        const int a = pinv_[rowOf[p]], b = pinv_[ja[p]];
        const int col = std::min(a, b), row = std::max(a, b);
        aoff_[q] = (col - f) * r + map_[row];
      }
    }
  }
  head_.assign(nsuper_, -1);
  next_.assign(nsuper_, -1);
  pos_.assign(nsuper_, 0);
  cbuf_.assign(2 * maxRows, 0.0);
  rel_.assign(maxRows, 0);
  ubuf_.assign(maxRows * 18, 0.0);
  wbuf_.assign(maxCols * maxCols, 0.0);
  tmp0_.assign(std::max<std::size_t>(maxRows, 32), 0.0);
  tmp1_.assign(std::max<std::size_t>(maxRows, 32), 0.0);
#ifdef MPOPF_LDL_EXPERIMENT
  if (std::getenv("LDL_TIMES")) std::fprintf(stderr, "end at %.3f\n", nowSeconds());
#endif
  ordered_ = true;
  return Ok;
}

SparseLdl::Status SparseLdl::factor(const double* values, int negStart) {
  values_ = values;
  solves_ = 0;
  refineSteps_ = 0;
  if (negStart < 0) negStart = 0;
  if (negStart > n_) negStart = n_;
  negStart_ = negStart;
  rowMaxima(values);
  for (;;) {
    if (!ordered_) {
      const double t0 = nowSeconds();
      Status st;
      try {
        st = order(values, negStart, stats_.orderings == 0 || !reuseOrdering);
      } catch (const std::bad_alloc&) {
        st = OutOfMemory;
      }
      stats_.orderSeconds += nowSeconds() - t0;
      stats_.orderings++;
      if (st != Ok) return st;
    }
    const double t0 = nowSeconds();
    negPivots_ = 0;
    perturbed_ = 0;
    perturbedSingles_ = 0;
    maxGrowth_ = 0.0;
    std::fill(head_.begin(), head_.end(), -1);
    for (int s = 0; s < nsuper_; s++) factorPanel(s);
    stats_.factorSeconds += nowSeconds() - t0;
    stats_.factorizations++;
    // A perturbed pivot means a pair that has gone weak (or a row left single that needed a partner)
    // with these values: pair again with these values and refactor, a bounded number of times per
    // structure.
    if (perturbed_ == 0 || stats_.orderings >= maxOrderings) return Ok;
    ordered_ = false;
  }
}

namespace {

/// Y0[i] -= sum_t L[t ld + i] a0[t] for i in [i0, i1), and Y1[i] -= sum_t L[t ld + i] a1[t] for i in
/// [i0 + 1, i1) when Y1 is given (the lower triangle of a pair of columns): the dense kernel of both the
/// updates from descendants and the panel factorisation. kb terms, unrolled by four.
void rankUpdate(double* Y0, double* Y1, int i0, int i1, const double* L, std::size_t ld, const double* a0,
                const double* a1, int kb) {
  int t = 0;
  for (; t + 4 <= kb; t += 4) {
    const double* L0 = L + static_cast<std::size_t>(t) * ld;
    const double* L1 = L0 + ld;
    const double* L2 = L1 + ld;
    const double* L3 = L2 + ld;
    const double b0 = a0[t], b1 = a0[t + 1], b2 = a0[t + 2], b3 = a0[t + 3];
    Y0[i0] -= L0[i0] * b0 + L1[i0] * b1 + L2[i0] * b2 + L3[i0] * b3;
    if (Y1) {
      const double c0 = a1[t], c1 = a1[t + 1], c2 = a1[t + 2], c3 = a1[t + 3];
      for (int i = i0 + 1; i < i1; i++) {
        const double l0 = L0[i], l1 = L1[i], l2 = L2[i], l3 = L3[i];
        Y0[i] -= l0 * b0 + l1 * b1 + l2 * b2 + l3 * b3;
        Y1[i] -= l0 * c0 + l1 * c1 + l2 * c2 + l3 * c3;
      }
    } else {
      for (int i = i0 + 1; i < i1; i++) Y0[i] -= L0[i] * b0 + L1[i] * b1 + L2[i] * b2 + L3[i] * b3;
    }
  }
  for (; t + 2 <= kb; t += 2) {
    const double* L0 = L + static_cast<std::size_t>(t) * ld;
    const double* L1 = L0 + ld;
    const double b0 = a0[t], b1 = a0[t + 1];
    Y0[i0] -= L0[i0] * b0 + L1[i0] * b1;
    if (Y1) {
      const double c0 = a1[t], c1 = a1[t + 1];
      for (int i = i0 + 1; i < i1; i++) {
        const double l0 = L0[i], l1 = L1[i];
        Y0[i] -= l0 * b0 + l1 * b1;
        Y1[i] -= l0 * c0 + l1 * c1;
      }
    } else {
      for (int i = i0 + 1; i < i1; i++) Y0[i] -= L0[i] * b0 + L1[i] * b1;
    }
  }
  for (; t < kb; t++) {
    const double* L0 = L + static_cast<std::size_t>(t) * ld;
    const double b0 = a0[t];
    Y0[i0] -= L0[i0] * b0;
    if (Y1) {
      const double c0 = a1[t];
      for (int i = i0 + 1; i < i1; i++) {
        const double l0 = L0[i];
        Y0[i] -= l0 * b0;
        Y1[i] -= l0 * c0;
      }
    } else {
      for (int i = i0 + 1; i < i1; i++) Y0[i] -= L0[i] * b0;
    }
  }
}

}  // namespace

void SparseLdl::factorPanel(int s) {
  const int f = sfirst_[s];
  const int w = sfirst_[s + 1] - f;
  const int* rows = si_.data() + sp_[s];
  const int r = sp_[s + 1] - sp_[s];
  double* X = lx_.get() + sx_[s];
  int* map = map_.data();
  for (int q = 0; q < r; q++) map[rows[q]] = q;
  // Assemble this panel's entries of A.
  std::fill(X, X + static_cast<std::size_t>(r) * static_cast<std::size_t>(w), 0.0);
  {
    const double* values = values_;
    const int* src = asrc_.data();
    const int* off = aoff_.data();
    for (int q = aptr_[s]; q < aptr_[s + 1]; q++) X[off[q]] += values[src[q]];
  }

  // Updates from the descendants whose next rows fall into this supernode's columns:
  // X[rows, cols] -= L_d[rows] D_d L_d[cols]^T.
  for (int d = head_[s]; d >= 0;) {
    const int dnext = next_[d];
    const int df = sfirst_[d];
    const int dw = sfirst_[d + 1] - df;
    const int dr = sp_[d + 1] - sp_[d];
    const int* drows = si_.data() + sp_[d];
    const double* L = lx_.get() + sx_[d] + pos_[d];
    const int p0 = pos_[d];
    int m1 = 0;
    while (p0 + m1 < dr && drows[p0 + m1] < f + w) m1++;
    const int m2 = dr - p0;
    // W (m1 x dw, row-major) = L[rows p0 .. p0+m1) D_d.
    double* W = wbuf_.data();
    for (int t = 0; t < dw;) {
      const int gc = df + t;
      const double* Lt = L + static_cast<std::size_t>(t) * dr;
      if (pairFirst_[gc]) {
        const double* Lt1 = Lt + dr;
        const double a = d_[gc], b = dsub_[gc], c = d_[gc + 1];
        for (int i = 0; i < m1; i++) {
          const double x0 = Lt[i], x1 = Lt1[i];
          W[i * dw + t] = x0 * a + x1 * b;
          W[i * dw + t + 1] = x0 * b + x1 * c;
        }
        t += 2;
      } else {
        const double dd = d_[gc];
        for (int i = 0; i < m1; i++) W[i * dw + t] = Lt[i] * dd;
        t++;
      }
    }
    // Local rows in this panel of d's rows from p0 on; a contiguous run needs no map.
    int* rel = rel_.data();
    for (int i = 0; i < m2; i++) rel[i] = map[drows[p0 + i]];
    const bool contiguous = rel[m2 - 1] - rel[0] == m2 - 1;
    double* C0 = cbuf_.data();
    double* C1 = C0 + m2;
    for (int j = 0; j < m1; j += 2) {
      const bool two = j + 1 < m1;
      double* X0 = X + static_cast<std::size_t>(rel[j]) * r;
      double* X1 = two ? X + static_cast<std::size_t>(rel[j + 1]) * r : nullptr;
      const double* a0 = W + j * dw;
      const double* a1 = two ? a0 + dw : nullptr;
      if (contiguous) {
        rankUpdate(X0 + rel[0], two ? X1 + rel[0] : nullptr, j, m2, L, dr, a0, a1, dw);
      } else {
        for (int i = j; i < m2; i++) C0[i] = 0.0;
        if (two)
          for (int i = j + 1; i < m2; i++) C1[i] = 0.0;
        rankUpdate(C0, two ? C1 : nullptr, j, m2, L, dr, a0, a1, dw);
        for (int i = j; i < m2; i++) X0[rel[i]] += C0[i];
        if (two)
          for (int i = j + 1; i < m2; i++) X1[rel[i]] += C1[i];
      }
    }
    // Move d on to the supernode of its next row.
    pos_[d] = p0 + m1;
    if (p0 + m1 < dr) {
      const int ns = snode_[drows[p0 + m1]];
      next_[d] = head_[ns];
      head_[ns] = d;
    }
    d = dnext;
  }

  // Dense LDL^T of the panel with the static 1x1 / 2x2 pivots, in blocks of columns: inside a block
  // left-looking (a pivot's columns are brought up to date with the block's earlier columns, then
  // factored), after a block one rank-k update of the columns after it. U keeps the block's columns
  // before scaling (U = L D), so that every update is X -= L U^T.
  const double tau = pivotTolerance;
  constexpr int kBlock = 16;
  double* U = ubuf_.data();
  double* a0 = tmp0_.data();
  double* a1 = tmp1_.data();
  for (int k0 = 0; k0 < w;) {
    int k1 = std::min(w, k0 + kBlock);
    if (k1 < w && pairFirst_[f + k1 - 1]) k1++;
    for (int k = k0; k < k1;) {
      const int g = f + k;
      const bool pair = pairFirst_[g] != 0;
      double* Xk = X + static_cast<std::size_t>(k) * r;
      double* Uk = U + static_cast<std::size_t>(k - k0) * r;
      if (k > k0) {
        const int kb = k - k0;
        for (int t = 0; t < kb; t++) {
          a0[t] = U[static_cast<std::size_t>(t) * r + k];
          if (pair) a1[t] = U[static_cast<std::size_t>(t) * r + k + 1];
        }
        rankUpdate(Xk, pair ? Xk + r : nullptr, k, r, X + static_cast<std::size_t>(k0) * r, r, a0,
                   pair ? a1 : nullptr, kb);
      }
      if (pair) {
        double* Xk1 = Xk + r;
        double* Uk1 = Uk + r;
        double a = Xk[k], b = Xk[k + 1], c = Xk1[k + 1];
        const int o0 = perm_[g], o1 = perm_[g + 1];
        const double fallback = globalMax_ > 0.0 ? globalMax_ : 1.0;
        const double r0 = rowmax_[o0] > 0.0 ? rowmax_[o0] : fallback;
        const double r1 = rowmax_[o1] > 0.0 ? rowmax_[o1] : fallback;
        // Eigenvalues l1 >= l2 of [a b; b c] (the smaller one from the determinant when it is small).
        const double mean = 0.5 * (a + c);
        const double half = 0.5 * (a - c);
        const double rad = std::sqrt(half * half + b * b);
        double l1 = mean + rad, l2 = mean - rad;
        const double det = a * c - b * b;
        if (std::fabs(l1) > std::fabs(l2)) l2 = det / l1;
        else if (l2 != 0.0) l1 = det / l2;
        // Each eigenvalue is measured against the rows its eigenvector (cos th, sin th) / (-sin th,
        // cos th) lives on: cos^2 th = (1 + cos 2th) / 2.
        const double c2 = rad > 0.0 ? half / rad : 1.0;
        const double cs2 = 0.5 * (1.0 + c2), sn2 = 0.5 * (1.0 - c2);
        const double thr1 = tau * (cs2 * r0 + sn2 * r1);
        const double thr2 = tau * (sn2 * r0 + cs2 * r1);
        const bool small1 = !(std::fabs(l1) > thr1), small2 = !(std::fabs(l2) > thr2);
        if (small1 || small2) {
          // The pair needs one positive and one negative eigenvalue.
          if (small1 && small2) {
            l1 = thr1;
            l2 = -thr2;
            perturbed_ += 2;
          } else if (small1) {
            l1 = l2 < 0.0 ? thr1 : -thr1;
            perturbed_++;
          } else {
            l2 = l1 > 0.0 ? -thr2 : thr2;
            perturbed_++;
          }
          const double s2 = rad > 0.0 ? b / rad : 0.0;  // sin 2th
          a = l1 * cs2 + l2 * sn2;
          b = 0.5 * (l1 - l2) * s2;
          c = l1 * sn2 + l2 * cs2;
        }
        negPivots_ += (l1 < 0.0) + (l2 < 0.0);
        d_[g] = a;
        dsub_[g] = b;
        d_[g + 1] = c;
        const double dt = a * c - b * b;
        const double i00 = c / dt, i01 = -b / dt, i11 = a / dt;
        Xk[k + 1] = 0.0;
        double growth = 0.0;
        for (int i = k + 2; i < r; i++) {
          const double x0 = Xk[i], x1 = Xk1[i];
          Uk[i] = x0;
          Uk1[i] = x1;
          const double l0 = x0 * i00 + x1 * i01, l1v = x0 * i01 + x1 * i11;
          Xk[i] = l0;
          Xk1[i] = l1v;
          growth = std::max(growth, std::max(std::fabs(l0), std::fabs(l1v)));
        }
        if (growth > maxGrowth_) maxGrowth_ = growth;
        k += 2;
      } else {
        double dk = Xk[k];
        const int o = perm_[g];
        const double sc = rowmax_[o] > 0.0 ? rowmax_[o] : (globalMax_ > 0.0 ? globalMax_ : 1.0);
        const double thr = tau * sc;
        if (!(std::fabs(dk) > thr)) {
          dk = o >= negStart_ ? -thr : thr;
          perturbed_++;
          perturbedSingles_++;
        }
        d_[g] = dk;
        dsub_[g] = 0.0;
        if (dk < 0.0) negPivots_++;
        const double inv = 1.0 / dk;
        double growth = 0.0;
        for (int i = k + 1; i < r; i++) {
          const double x = Xk[i];
          Uk[i] = x;
          const double l = x * inv;
          Xk[i] = l;
          growth = std::max(growth, std::fabs(l));
        }
        if (growth > maxGrowth_) maxGrowth_ = growth;
        k++;
      }
    }
    // Rank-(k1 - k0) update of the columns after the block.
    const int kb = k1 - k0;
    for (int j = k1; j < w; j += 2) {
      const bool two = j + 1 < w;
      for (int t = 0; t < kb; t++) {
        a0[t] = U[static_cast<std::size_t>(t) * r + j];
        if (two) a1[t] = U[static_cast<std::size_t>(t) * r + j + 1];
      }
      rankUpdate(X + static_cast<std::size_t>(j) * r, two ? X + static_cast<std::size_t>(j + 1) * r : nullptr, j, r,
                 X + static_cast<std::size_t>(k0) * r, r, a0, two ? a1 : nullptr, kb);
    }
    k0 = k1;
  }
  // Link this supernode to the supernode of its first row below the panel.
  if (r > w) {
    pos_[s] = w;
    const int ns = snode_[rows[w]];
    next_[s] = head_[ns];
    head_[ns] = s;
  }
}

void SparseLdl::solveFactored(double* x) const {
  const int n = n_;
  double* w = work_.data();
  for (int k = 0; k < n; k++) w[k] = x[perm_[k]];
  const int* si = si_.data();
  const double* lx = lx_.get();
  // Forward: L y = b.
  for (int s = 0; s < nsuper_; s++) {
    const int f = sfirst_[s], nw = sfirst_[s + 1] - f;
    const int* rows = si + sp_[s];
    const int r = sp_[s + 1] - sp_[s];
    const double* X = lx + sx_[s];
    for (int k = 0; k < nw; k++) {
      const double yk = w[f + k];
      if (yk == 0.0) continue;
      const double* Xk = X + static_cast<std::size_t>(k) * r;
      for (int i = k + 1; i < nw; i++) w[f + i] -= Xk[i] * yk;
      for (int i = nw; i < r; i++) w[rows[i]] -= Xk[i] * yk;
    }
  }
  // Block diagonal.
  for (int k = 0; k < n;) {
    if (pairFirst_[k]) {
      const double a = d_[k], b = dsub_[k], c = d_[k + 1];
      const double dt = a * c - b * b;
      const double y0 = w[k], y1 = w[k + 1];
      w[k] = (c * y0 - b * y1) / dt;
      w[k + 1] = (a * y1 - b * y0) / dt;
      k += 2;
    } else {
      w[k] /= d_[k];
      k++;
    }
  }
  // Backward: L^T x = y.
  for (int s = nsuper_ - 1; s >= 0; s--) {
    const int f = sfirst_[s], nw = sfirst_[s + 1] - f;
    const int* rows = si + sp_[s];
    const int r = sp_[s + 1] - sp_[s];
    const double* X = lx + sx_[s];
    for (int k = nw - 1; k >= 0; k--) {
      const double* Xk = X + static_cast<std::size_t>(k) * r;
      double acc = w[f + k];
      for (int i = k + 1; i < nw; i++) acc -= Xk[i] * w[f + i];
      for (int i = nw; i < r; i++) acc -= Xk[i] * w[rows[i]];
      w[f + k] = acc;
    }
  }
  for (int k = 0; k < n; k++) x[perm_[k]] = w[k];
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
  // it worse is undone.
  rhs_.assign(b, b + n);
  solveFactored(b);
  const double t1 = nowSeconds();
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
    stats_.refinementSteps++;
    for (int i = 0; i < n; i++) xprev_[i] = b[i];
    solveFactored(resid_.data());
    for (int i = 0; i < n; i++) b[i] += resid_[i];
  }
  const double t2 = nowSeconds();
  stats_.refineSeconds += t2 - t1;
  stats_.solveSeconds += t2 - t0;
}

}  // namespace mpopf
