#!/usr/bin/env bash
# One command from a fresh clone: install everything the tests need, then run them all.
# Arguments go to pytest (e.g. -m "not slow" for the fast unit tests only).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --dev
. .venv/bin/activate
export HF_HUB_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False ANONYMIZED_TELEMETRY=False
mkdir -p artifacts
ruff check assistant index ui tests
mypy
set +e
python -m pytest -p no:cacheprovider "$@"
rc=$?
# the package as users get it: a wheel in a fresh venv outside the repo (~5-8 min, mostly pip)
if [ "${NEWSDESK_SKIP_WHEEL:-0}" != 1 ]; then
  bash scripts/check_wheel.sh
  wheel_rc=$?
  [ "$rc" = 0 ] && rc=$wheel_rc
fi
set -e
# pytest exits 5 when nothing was collected: that is a failure of the suite, not a pass.
exit $rc
