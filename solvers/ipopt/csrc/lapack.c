/*
 * Minimal LAPACK for Ipopt 3.11.9 in WebAssembly (mpopf's own code).
 *
 * The five routines Ipopt's IpLapack.cpp declares (dpotrf, dpotrs, dsyev, dgetrf, dgetrs), with exactly
 * its prototypes including the hidden Fortran string-length arguments. They are only used on small
 * dense matrices (quasi-Newton updates, low-rank augmented systems), so clarity beats speed here.
 * Column-major storage, 1-based pivot indices, LAPACK's `info` conventions.
 */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#define M_(i, j) a[(size_t)(j) * (size_t)ld + (size_t)(i)]

static int is_upper(const char *c) { return *c == 'U' || *c == 'u'; }

/* Cholesky factorisation A = L L^T ('L') or A = U^T U ('U'); info = j > 0 if the leading minor j is not positive definite. */
void dpotrf_(char *uplo, int *n, double *a, int *lda, int *info, int uplo_len) {
  (void)uplo_len;
  int nn = *n, ld = *lda, up = is_upper(uplo);
  *info = 0;
  for (int j = 0; j < nn; j++) {
    double d = M_(j, j);
    for (int k = 0; k < j; k++) {
      double v = up ? M_(k, j) : M_(j, k);
      d -= v * v;
    }
    if (!(d > 0.0)) {
      M_(j, j) = d;
      *info = j + 1;
      return;
    }
    d = sqrt(d);
    M_(j, j) = d;
    for (int i = j + 1; i < nn; i++) {
      double s = up ? M_(j, i) : M_(i, j);
      for (int k = 0; k < j; k++) s -= up ? M_(k, i) * M_(k, j) : M_(i, k) * M_(j, k);
      if (up)
        M_(j, i) = s / d;
      else
        M_(i, j) = s / d;
    }
  }
}

/* Solve A X = B with the factor from dpotrf. */
void dpotrs_(char *uplo, int *n, int *nrhs, const double *a, int *lda, double *b, int *ldb, int *info,
             int uplo_len) {
  (void)uplo_len;
  int nn = *n, ld = *lda, up = is_upper(uplo);
  *info = 0;
  for (int r = 0; r < *nrhs; r++) {
    double *x = b + (size_t)r * (size_t)*ldb;
    /* Forward: L y = b with L(i,k) = up ? U(k,i) : L(i,k). */
    for (int i = 0; i < nn; i++) {
      double s = x[i];
      for (int k = 0; k < i; k++) s -= (up ? M_(k, i) : M_(i, k)) * x[k];
      x[i] = s / M_(i, i);
    }
    /* Backward: L^T x = y. */
    for (int i = nn - 1; i >= 0; i--) {
      double s = x[i];
      for (int k = i + 1; k < nn; k++) s -= (up ? M_(i, k) : M_(k, i)) * x[k];
      x[i] = s / M_(i, i);
    }
  }
}

/*
 * Symmetric eigenvalues (ascending in w) and, for jobz 'V', orthonormal eigenvectors in the columns of a,
 * by the cyclic Jacobi method on a full copy of the matrix. lwork = -1 is a workspace query.
 */
void dsyev_(char *jobz, char *uplo, int *n, double *a, int *lda, double *w, double *work, int *lwork, int *info,
            int jobz_len, int uplo_len) {
  (void)jobz_len;
  (void)uplo_len;
  int nn = *n, ld = *lda, up = is_upper(uplo);
  int want_v = *jobz == 'V' || *jobz == 'v';
  *info = 0;
  if (*lwork == -1) {
    work[0] = (double)(nn > 0 ? 3 * nn : 1);
    return;
  }
  if (nn == 0) return;
  double *s = (double *)malloc(sizeof(double) * (size_t)nn * (size_t)nn);
  double *v = (double *)malloc(sizeof(double) * (size_t)nn * (size_t)nn);
  if (!s || !v) {
    free(s);
    free(v);
    *info = -1;
    return;
  }
#define S_(i, j) s[(size_t)(j) * (size_t)nn + (size_t)(i)]
#define V_(i, j) v[(size_t)(j) * (size_t)nn + (size_t)(i)]
  for (int j = 0; j < nn; j++)
    for (int i = 0; i < nn; i++) {
      int stored = up ? i <= j : i >= j;
      S_(i, j) = stored ? M_(i, j) : M_(j, i);
      V_(i, j) = i == j ? 1.0 : 0.0;
    }
  for (int sweep = 0; sweep < 100; sweep++) {
    double off = 0.0, total = 0.0;
    for (int j = 0; j < nn; j++)
      for (int i = 0; i < nn; i++) {
        total += S_(i, j) * S_(i, j);
        if (i != j) off += S_(i, j) * S_(i, j);
      }
    if (off <= 1e-30 * total || off == 0.0) break;
    for (int p = 0; p < nn - 1; p++)
      for (int q = p + 1; q < nn; q++) {
        double apq = S_(p, q);
        if (apq == 0.0) continue;
        double app = S_(p, p), aqq = S_(q, q);
        double theta = (aqq - app) / (2.0 * apq);
        double t = (theta >= 0.0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1.0));
        double c = 1.0 / sqrt(t * t + 1.0), sn = t * c;
        for (int k = 0; k < nn; k++) {
          double skp = S_(k, p), skq = S_(k, q);
          S_(k, p) = c * skp - sn * skq;
          S_(k, q) = sn * skp + c * skq;
        }
        for (int k = 0; k < nn; k++) {
          double spk = S_(p, k), sqk = S_(q, k);
          S_(p, k) = c * spk - sn * sqk;
          S_(q, k) = sn * spk + c * sqk;
        }
        for (int k = 0; k < nn; k++) {
          double vkp = V_(k, p), vkq = V_(k, q);
          V_(k, p) = c * vkp - sn * vkq;
          V_(k, q) = sn * vkp + c * vkq;
        }
      }
  }
  /* Sort ascending (selection sort: n is small). */
  int *order = (int *)malloc(sizeof(int) * (size_t)nn);
  if (!order) {
    free(s);
    free(v);
    *info = -1;
    return;
  }
  for (int i = 0; i < nn; i++) order[i] = i;
  for (int i = 0; i < nn; i++) {
    int best = i;
    for (int j = i + 1; j < nn; j++)
      if (S_(order[j], order[j]) < S_(order[best], order[best])) best = j;
    int tmp = order[i];
    order[i] = order[best];
    order[best] = tmp;
  }
  for (int i = 0; i < nn; i++) w[i] = S_(order[i], order[i]);
  if (want_v)
    for (int j = 0; j < nn; j++)
      for (int i = 0; i < nn; i++) M_(i, j) = V_(i, order[j]);
#undef S_
#undef V_
  free(order);
  free(s);
  free(v);
}

/* LU factorisation with partial pivoting, P A = L U; ipiv is 1-based; info = j > 0 if U(j,j) is exactly zero. */
void dgetrf_(int *m, int *n, double *a, int *lda, int *ipiv, int *info) {
  int mm = *m, nn = *n, ld = *lda;
  int kmax = mm < nn ? mm : nn;
  *info = 0;
  for (int k = 0; k < kmax; k++) {
    int p = k;
    double best = fabs(M_(k, k));
    for (int i = k + 1; i < mm; i++)
      if (fabs(M_(i, k)) > best) {
        best = fabs(M_(i, k));
        p = i;
      }
    ipiv[k] = p + 1;
    if (p != k)
      for (int j = 0; j < nn; j++) {
        double t = M_(k, j);
        M_(k, j) = M_(p, j);
        M_(p, j) = t;
      }
    double piv = M_(k, k);
    if (piv == 0.0) {
      if (*info == 0) *info = k + 1;
      continue;
    }
    for (int i = k + 1; i < mm; i++) M_(i, k) /= piv;
    for (int j = k + 1; j < nn; j++) {
      double ukj = M_(k, j);
      if (ukj == 0.0) continue;
      for (int i = k + 1; i < mm; i++) M_(i, j) -= M_(i, k) * ukj;
    }
  }
}

/* Solve A X = B ('N') or A^T X = B ('T') with the factors from dgetrf. */
void dgetrs_(char *trans, int *n, int *nrhs, const double *a, int *lda, int *ipiv, double *b, int *ldb, int *info,
             int trans_len) {
  (void)trans_len;
  int nn = *n, ld = *lda;
  int t = *trans == 'T' || *trans == 't' || *trans == 'C' || *trans == 'c';
  *info = 0;
  for (int r = 0; r < *nrhs; r++) {
    double *x = b + (size_t)r * (size_t)*ldb;
    if (!t) {
      for (int k = 0; k < nn; k++) {
        int p = ipiv[k] - 1;
        if (p != k) {
          double tmp = x[k];
          x[k] = x[p];
          x[p] = tmp;
        }
      }
      for (int i = 0; i < nn; i++)
        for (int k = 0; k < i; k++) x[i] -= M_(i, k) * x[k];
      for (int i = nn - 1; i >= 0; i--) {
        for (int k = i + 1; k < nn; k++) x[i] -= M_(i, k) * x[k];
        x[i] /= M_(i, i);
      }
    } else {
      /* U^T y = b, then L^T z = y, then x = P^T z. */
      for (int i = 0; i < nn; i++) {
        for (int k = 0; k < i; k++) x[i] -= M_(k, i) * x[k];
        x[i] /= M_(i, i);
      }
      for (int i = nn - 1; i >= 0; i--)
        for (int k = i + 1; k < nn; k++) x[i] -= M_(k, i) * x[k];
      for (int k = nn - 1; k >= 0; k--) {
        int p = ipiv[k] - 1;
        if (p != k) {
          double tmp = x[k];
          x[k] = x[p];
          x[p] = tmp;
        }
      }
    }
  }
}
