#!/usr/bin/env bash
# Create .venv at the repo root and install Newsdesk into it (idempotent; re-running is cheap).
#   scripts/install.sh          the app: core + web chat + OpenAI-compatible client
#   scripts/install.sh --dev    + test tools, Milvus Lite and Ray (newsdesk[scale]),
#                               llama-cpp-python (built from source), Chromium
set -euo pipefail
cd "$(dirname "$0")/.."
DEV=0
[ "${1:-}" = "--dev" ] && DEV=1
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
. .venv/bin/activate
export PIP_DISABLE_PIP_VERSION_CHECK=1
python -m pip install -q --upgrade pip
# torch first, pinned: the CPU build on local disk. Unpinned, pip would pull a multi-GB CUDA build.
python -c "import torch" 2>/dev/null || pip install -q torch==2.13.0
if [ "$DEV" = 1 ]; then
  # llama.cpp must not use -march=native here: the native build dies with SIGILL (AMX).
  CMAKE_ARGS="-DGGML_NATIVE=OFF" pip install -q -e ".[openvino,ui,llm,llama,bench,scale,train,dev]" "llama-cpp-python[server]"
  if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
      (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || \
        echo "warning: could not install Debian chromium; browser tests will be skipped" >&2
    else
      echo "warning: chromium missing (sudo apt-get install chromium); browser tests will skip" >&2
    fi
  fi
else
  pip install -q -e ".[openvino,ui,llm]"
fi
echo "installed into $(pwd)/.venv"
