/*
 * Minimal reference BLAS for Ipopt 3.11.9 in WebAssembly (mpopf's own code).
 *
 * Only the routines Ipopt's IpBlas.cpp declares, with exactly the prototypes it uses, including the
 * hidden Fortran string-length arguments (a mismatch in the argument count links but traps at run
 * time in wasm). Matrices are column-major; increments follow Fortran BLAS semantics (a negative
 * increment walks the vector backwards from its end).
 */
#include <math.h>
#include <stddef.h>

#define A_(i, j) a[(size_t)(j) * (size_t)lda_ + (size_t)(i)]

static int upper_char(const char *c) { return *c == 'U' || *c == 'u'; }
static int trans_char(const char *c) { return *c == 'T' || *c == 't' || *c == 'C' || *c == 'c'; }

/* Index of element k (0-based) of a strided vector of length n. */
static ptrdiff_t vidx(int k, int n, int inc) {
  return inc >= 0 ? (ptrdiff_t)k * inc : (ptrdiff_t)(k - n + 1) * inc;
}

double ddot_(int *n, const double *x, int *incx, const double *y, int *incy) {
  double s = 0.0;
  int nn = *n;
  if (*incx == 1 && *incy == 1) {
    for (int i = 0; i < nn; i++) s += x[i] * y[i];
    return s;
  }
  for (int i = 0; i < nn; i++) s += x[vidx(i, nn, *incx)] * y[vidx(i, nn, *incy)];
  return s;
}

double dnrm2_(int *n, const double *x, int *incx) {
  /* Scaled sum of squares, so that neither overflow nor harmful underflow occurs. */
  int nn = *n;
  if (nn < 1 || *incx < 1) return 0.0;
  double scale = 0.0, ssq = 1.0;
  for (int i = 0; i < nn; i++) {
    double v = x[(size_t)i * (size_t)*incx];
    if (v != 0.0) {
      double a = fabs(v);
      if (scale < a) {
        double r = scale / a;
        ssq = 1.0 + ssq * r * r;
        scale = a;
      } else {
        double r = a / scale;
        ssq += r * r;
      }
    }
  }
  return scale * sqrt(ssq);
}

double dasum_(int *n, const double *x, int *incx) {
  int nn = *n;
  if (nn < 1 || *incx < 1) return 0.0;
  double s = 0.0;
  for (int i = 0; i < nn; i++) s += fabs(x[(size_t)i * (size_t)*incx]);
  return s;
}

int idamax_(int *n, const double *x, int *incx) {
  int nn = *n;
  if (nn < 1 || *incx < 1) return 0;
  int best = 0;
  double bv = fabs(x[0]);
  for (int i = 1; i < nn; i++) {
    double v = fabs(x[(size_t)i * (size_t)*incx]);
    if (v > bv) {
      bv = v;
      best = i;
    }
  }
  return best + 1;
}

void dcopy_(int *n, const double *x, int *incx, double *y, int *incy) {
  int nn = *n;
  if (*incx == 1 && *incy == 1) {
    for (int i = 0; i < nn; i++) y[i] = x[i];
    return;
  }
  for (int i = 0; i < nn; i++) y[vidx(i, nn, *incy)] = x[vidx(i, nn, *incx)];
}

void daxpy_(int *n, const double *alpha, const double *x, int *incx, double *y, int *incy) {
  int nn = *n;
  double a = *alpha;
  if (nn <= 0 || a == 0.0) return;
  if (*incx == 1 && *incy == 1) {
    for (int i = 0; i < nn; i++) y[i] += a * x[i];
    return;
  }
  for (int i = 0; i < nn; i++) y[vidx(i, nn, *incy)] += a * x[vidx(i, nn, *incx)];
}

void dscal_(int *n, const double *alpha, double *x, int *incx) {
  int nn = *n;
  double a = *alpha;
  if (nn < 1 || *incx < 1) return;
  for (int i = 0; i < nn; i++) x[(size_t)i * (size_t)*incx] *= a;
}

/* y := beta*y for a strided vector. */
static void scale_vec(int len, double beta, double *y, int incy) {
  if (beta == 1.0) return;
  for (int i = 0; i < len; i++) {
    ptrdiff_t k = vidx(i, len, incy);
    y[k] = beta == 0.0 ? 0.0 : beta * y[k];
  }
}

void dgemv_(char *trans, int *m, int *n, const double *alpha, const double *a, int *lda, const double *x,
            int *incx, const double *beta, double *y, int *incy, int trans_len) {
  (void)trans_len;
  int mm = *m, nn = *n, lda_ = *lda;
  int t = trans_char(trans);
  int lenx = t ? mm : nn, leny = t ? nn : mm;
  if (mm == 0 || nn == 0) return;
  scale_vec(leny, *beta, y, *incy);
  double al = *alpha;
  if (al == 0.0) return;
  if (!t) {
    for (int j = 0; j < nn; j++) {
      double tmp = al * x[vidx(j, lenx, *incx)];
      if (tmp == 0.0) continue;
      for (int i = 0; i < mm; i++) y[vidx(i, leny, *incy)] += tmp * A_(i, j);
    }
  } else {
    for (int j = 0; j < nn; j++) {
      double s = 0.0;
      for (int i = 0; i < mm; i++) s += A_(i, j) * x[vidx(i, lenx, *incx)];
      y[vidx(j, leny, *incy)] += al * s;
    }
  }
}

void dsymv_(char *uplo, int *n, const double *alpha, const double *a, int *lda, const double *x, int *incx,
            const double *beta, double *y, int *incy, int uplo_len) {
  (void)uplo_len;
  int nn = *n, lda_ = *lda;
  int up = upper_char(uplo);
  if (nn == 0) return;
  scale_vec(nn, *beta, y, *incy);
  double al = *alpha;
  if (al == 0.0) return;
  for (int i = 0; i < nn; i++) {
    double s = 0.0;
    for (int j = 0; j < nn; j++) {
      /* A(i,j) read from the stored triangle. */
      double aij = up ? (i <= j ? A_(i, j) : A_(j, i)) : (i >= j ? A_(i, j) : A_(j, i));
      s += aij * x[vidx(j, nn, *incx)];
    }
    y[vidx(i, nn, *incy)] += al * s;
  }
}

void dgemm_(char *transa, char *transb, int *m, int *n, int *k, const double *alpha, const double *a, int *lda,
            const double *b, int *ldb, const double *beta, double *c, int *ldc, int transa_len,
            int transb_len) {
  (void)transa_len;
  (void)transb_len;
  int mm = *m, nn = *n, kk = *k, lda_ = *lda, ldb_ = *ldb, ldc_ = *ldc;
  int ta = trans_char(transa), tb = trans_char(transb);
  double al = *alpha, be = *beta;
  for (int j = 0; j < nn; j++) {
    double *cj = c + (size_t)j * (size_t)ldc_;
    for (int i = 0; i < mm; i++) cj[i] = be == 0.0 ? 0.0 : be * cj[i];
    if (al == 0.0) continue;
    for (int l = 0; l < kk; l++) {
      double blj = tb ? b[(size_t)l * (size_t)ldb_ + (size_t)j] : b[(size_t)j * (size_t)ldb_ + (size_t)l];
      double tmp = al * blj;
      if (tmp == 0.0) continue;
      for (int i = 0; i < mm; i++) cj[i] += tmp * (ta ? A_(l, i) : A_(i, l));
    }
  }
}

void dsyrk_(char *uplo, char *trans, int *n, int *k, const double *alpha, const double *a, int *lda,
            const double *beta, double *c, int *ldc, int uplo_len, int trans_len) {
  (void)uplo_len;
  (void)trans_len;
  int nn = *n, kk = *k, lda_ = *lda, ldc_ = *ldc;
  int up = upper_char(uplo), t = trans_char(trans);
  double al = *alpha, be = *beta;
  for (int j = 0; j < nn; j++) {
    int i0 = up ? 0 : j, i1 = up ? j : nn - 1;
    for (int i = i0; i <= i1; i++) {
      double s = 0.0;
      /* (A A^T)(i,j) = sum_l A(i,l) A(j,l);  (A^T A)(i,j) = sum_l A(l,i) A(l,j). */
      for (int l = 0; l < kk; l++) s += t ? A_(l, i) * A_(l, j) : A_(i, l) * A_(j, l);
      double *cij = c + (size_t)j * (size_t)ldc_ + (size_t)i;
      *cij = (be == 0.0 ? 0.0 : be * *cij) + al * s;
    }
  }
}

/*
 * Solve M y = v in place for one strided vector v (length n, stride s), where
 * M(i,l) = tr ? A(l,i) : A(i,l) is triangular (lower when `lower`), unit diagonal when `unit`.
 */
static void tri_solve_vec(const double *a, int lda_, int n, int tr, int lower, int unit, double *v, size_t s) {
  if (lower) {
    for (int i = 0; i < n; i++) {
      double r = v[(size_t)i * s];
      for (int l = 0; l < i; l++) r -= (tr ? A_(l, i) : A_(i, l)) * v[(size_t)l * s];
      v[(size_t)i * s] = unit ? r : r / A_(i, i);
    }
  } else {
    for (int i = n - 1; i >= 0; i--) {
      double r = v[(size_t)i * s];
      for (int l = i + 1; l < n; l++) r -= (tr ? A_(l, i) : A_(i, l)) * v[(size_t)l * s];
      v[(size_t)i * s] = unit ? r : r / A_(i, i);
    }
  }
}

void dtrsm_(char *side, char *uplo, char *transa, char *diag, int *m, int *n, const double *alpha, const double *a,
            int *lda, double *b, int *ldb, int side_len, int uplo_len, int transa_len, int diag_len) {
  (void)side_len;
  (void)uplo_len;
  (void)transa_len;
  (void)diag_len;
  int mm = *m, nn = *n, lda_ = *lda, ldb_ = *ldb;
  int left = *side == 'L' || *side == 'l';
  int up = upper_char(uplo), t = trans_char(transa);
  int unit = *diag == 'U' || *diag == 'u';
  double al = *alpha;
  for (int j = 0; j < nn; j++)
    for (int i = 0; i < mm; i++) b[(size_t)j * (size_t)ldb_ + (size_t)i] *= al;
  if (al == 0.0) return;
  if (left) {
    /* op(A) X = B: column by column; op(A)(i,l) = t ? A(l,i) : A(i,l), lower iff (!up) xor t. */
    int lower = (!up) ^ t;
    for (int j = 0; j < nn; j++) tri_solve_vec(a, lda_, mm, t, lower, unit, b + (size_t)j * (size_t)ldb_, 1);
  } else {
    /* X op(A) = B  <=>  op(A)^T X^T = B^T: row by row with the transpose flag flipped. */
    int tt = !t;
    int lower = (!up) ^ tt;
    for (int i = 0; i < mm; i++) tri_solve_vec(a, lda_, nn, tt, lower, unit, b + i, (size_t)ldb_);
  }
}
