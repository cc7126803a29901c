// Stand-ins for things Ipopt's sources use that this WebAssembly build does not otherwise provide
// (mpopf's own code):
// * HSL MC19: selecting an option that needs it fails with Ipopt's OPTION_INVALID error;
// * getrusage: Emscripten's libc reports zero CPU time, which would disable Ipopt's max_cpu_time; a solve
//   runs single-threaded and blocks its thread, so elapsed time is a faithful stand-in for CPU time.
#include <emscripten.h>
#include <sys/resource.h>

#include <cstring>

#include "IpException.hpp"
#include "IpOptionsList.hpp"

extern "C" int getrusage(int who, struct rusage* usage) {
  (void)who;
  std::memset(usage, 0, sizeof(*usage));
  double ms = emscripten_get_now();
  long long us = static_cast<long long>(ms * 1000.0);
  usage->ru_utime.tv_sec = static_cast<time_t>(us / 1000000);
  usage->ru_utime.tv_usec = static_cast<suseconds_t>(us % 1000000);
  return 0;
}

extern "C" void mc19ad_(const int* n, const int* nz, const double* a, const int* irn, const int* icn, float* r,
                        float* c, float* w) {
  (void)n;
  (void)nz;
  (void)a;
  (void)irn;
  (void)icn;
  (void)r;
  (void)c;
  (void)w;
  THROW_EXCEPTION(Ipopt::OPTION_INVALID,
                  "nlp_scaling_method=equilibration-based needs HSL MC19, which this WebAssembly build does not include.");
}
