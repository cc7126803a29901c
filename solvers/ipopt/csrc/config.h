/*
 * Hand-written replacement for the config.h that Ipopt's configure script would generate, for a build
 * with emscripten (wasm32, musl libc, libc++). Only the macros Ipopt 3.11.9's sources test are defined.
 * BLAS and LAPACK come from mpopf's own minimal C implementations (blas.c, lapack.c); the linear solver
 * is mpopf's LDL^T (mpopf_ldl.cpp), plugged in as Ipopt's "custom" linear solver.
 */
#ifndef MPOPF_IPOPT_CONFIG_H
#define MPOPF_IPOPT_CONFIG_H

#define COIN_IPOPT_CHECKLEVEL 0
#define COIN_IPOPT_VERBOSITY 0
#define COIN_HAS_BLAS 1
#define COIN_HAS_LAPACK 1
#define COIN_C_FINITE std::isfinite

/* Fortran name mangling of gfortran on Linux: lower case, one trailing underscore. */
#define F77_FUNC(name, NAME) name##_
#define F77_FUNC_(name, NAME) name##_
#define FORTRAN_INTEGER_TYPE int

#define HAVE_CASSERT 1
#define HAVE_CCTYPE 1
#define HAVE_CFLOAT 1
#define HAVE_CMATH 1
#define HAVE_CSTDARG 1
#define HAVE_CSTDDEF 1
#define HAVE_CSTDIO 1
#define HAVE_CSTDLIB 1
#define HAVE_CSTRING 1
#define HAVE_CTIME 1
#define HAVE_DRAND48 1
#define HAVE_RAND 1
#define HAVE_SNPRINTF 1
#define HAVE_VSNPRINTF 1
#define HAVE_VA_COPY 1
#define HAVE_STDINT_H 1
#define HAVE_INTTYPES_H 1

#define IPOPT_VERSION "3.11.9"
#define IPOPT_VERSION_MAJOR 3
#define IPOPT_VERSION_MINOR 11
#define IPOPT_VERSION_RELEASE 9
#define PACKAGE_VERSION "3.11.9"
#define VERSION "3.11.9"

#endif
