#!/usr/bin/env bash
# One-time setup on a fresh machine: system libraries (libtorch, OpenBLAS; chromium, optional), npm packages,
# the native binding and the TypeScript build. Safe to re-run; skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
if ! node scripts/find-libtorch.mjs check >/dev/null 2>&1; then need_apt+=(libtorch-dev); fi
# Debian's libtorch links the generic libblas.so.3; without an optimised BLAS behind it every
# matmul runs ~30x slower. OpenBLAS (OpenMP build, like libtorch's own threading) fixes that.
if [ -z "${LIBTORCH:-}" ] && ! ldconfig -p 2>/dev/null | grep -q 'libopenblas'; then need_apt+=(libopenblas0-openmp); fi

if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "genrec setup: installing ${need_apt[*]} (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    echo "genrec setup: missing system packages: ${need_apt[*]}" >&2
    echo "  run:  sudo apt-get update && sudo apt-get install -y ${need_apt[*]}" >&2
    echo "  or download libtorch (C++, cxx11 ABI) and set LIBTORCH=/path/to/libtorch" >&2
    exit 1
  fi
fi

# Headless Chromium for the browser test of `genrec report` (test/report-browser.test.ts). Optional: without it that
# test skips with a message, so a machine where apt cannot run still sets up; CI (root, apt) installs it.
if [ -z "${GENREC_CHROMIUM:-}" ] && ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "genrec setup: installing chromium (apt-get; for the report's browser test)"
    export DEBIAN_FRONTEND=noninteractive
    if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null; }; then
      echo "genrec setup: could not install chromium; the report's browser test will be skipped" >&2
    fi
  else
    echo "genrec setup: chromium is not installed; the report's browser test will be skipped" >&2
    echo "  run:  sudo apt-get update && sudo apt-get install -y chromium   (or set GENREC_CHROMIUM=/path/to/chromium)" >&2
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
elif [ ! -f build/Release/genrec_torch.node ]; then
  npm run build:native
fi
npm run build --silent
