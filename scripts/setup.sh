#!/usr/bin/env bash
# One-time, idempotent set-up shared by the README commands (scripts/test.sh, scripts/run.sh):
#   1. Debian packages (installed when missing and running as root; otherwise a clear message),
#   2. npm dependencies (npm install from package-lock.json, skipped when the lock is unchanged since the last install;
#      `npm ci` is not used: npm 11 writes lock files without other platforms' optional packages and then refuses them),
#   3. the Ipopt→WebAssembly build (skipped when the artifact is up to date).
# A second run reuses everything already in place.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*" >&2; }

# --- Node -------------------------------------------------------------------------------------
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  say "Node.js >= 20 is required (found: $(node --version 2>/dev/null || echo none))"; exit 1
fi

# --- Debian packages --------------------------------------------------------------------------
# coinor-libipopt1v5: native Ipopt+MUMPS, the cross-check backend used by tests and benchmarks.
# chromium: the browser test of report.html.
# texlive-latex-base + texlive-latex-recommended (booktabs), without recommends (~90 MB): the test that
#   the LaTeX tables compile.
# nats-server: the message broker of distributed runs over NATS (tests start their own servers on free ports);
#   strace: the privacy test watches which files an agent process opens; openssl: the TLS test's certificates.
# emscripten: only needed to build the wasm solver (installed by the build step when needed).
apt_install() { # apt_install "<packages>" [apt-get options...]
  local need=() p
  for p in $1; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
  [ ${#need[@]} -eq 0 ] && return 0
  shift
  if [ "$(id -u)" = 0 ]; then
    say "installing Debian packages: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if [ -z "${apt_updated:-}" ]; then apt-get update -qq >&2; apt_updated=1; fi
    apt-get install -y -qq "$@" "${need[@]}" >&2
  else
    say "missing Debian packages: ${need[*]} — run as root, or: sudo apt-get install ${need[*]}"; exit 1
  fi
}
apt_install "${MPOPF_APT_PACKAGES:-coinor-libipopt1v5 chromium nats-server strace openssl}"
apt_install "${MPOPF_APT_TEX_PACKAGES:-texlive-latex-base texlive-latex-recommended}" --no-install-recommends

# --- npm dependencies -------------------------------------------------------------------------
stamp=node_modules/.mpopf-lock-sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "installing npm dependencies (npm install, versions from package-lock.json)"
  npm install --no-audit --no-fund >&2
  want=$(sha256sum package-lock.json | cut -d' ' -f1)
  echo "$want" > "$stamp"
else
  say "npm dependencies up to date"
fi

# --- Ipopt -> WebAssembly -----------------------------------------------------------------------
# (reuses the artifact when it matches the sources and flags; installs emscripten when it must build)
node --import tsx solvers/ipopt/build.ts >&2
say "ready"
