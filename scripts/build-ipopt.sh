#!/bin/sh
# Build (or reuse) Ipopt 3.11.9 compiled to WebAssembly: see solvers/ipopt/build.ts.
#   scripts/build-ipopt.sh [--force] [--with-native]
# --with-native also installs Debian's coinor-libipopt1v5 (native cross-check backend) when run as root.
set -e
cd "$(dirname "$0")/.."
exec node --import tsx solvers/ipopt/build.ts "$@"
