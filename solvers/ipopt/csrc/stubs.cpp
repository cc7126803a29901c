// Stand-ins for HSL routines that Ipopt's sources reference but this build does not include
// (mpopf's own code). Selecting an option that needs them fails with Ipopt's OPTION_INVALID error.
#include "IpException.hpp"
#include "IpOptionsList.hpp"

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
