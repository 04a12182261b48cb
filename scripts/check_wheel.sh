#!/usr/bin/env bash
# The package as users get it: build a wheel, install it (not editable) into a fresh venv
# outside the repo, and from another directory ingest the seed article, answer the seed question
# through the `newsdesk` CLI, and run the openai answerer (prompt files read as package data).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
export PIP_DISABLE_PIP_VERSION_CHECK=1 HF_HUB_OFFLINE=1 ANONYMIZED_TELEMETRY=False
"$REPO/.venv/bin/python" -m pip wheel -q --no-deps -w "$WORK/dist" "$REPO"
"$PY" -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install -q torch==2.13.0   # the CPU build first, as in install.sh
WHEEL=$(ls "$WORK"/dist/newsdesk-*.whl)
"$WORK/venv/bin/pip" install -q "$WHEEL[llm]"
cd "$WORK"   # nothing of the repo on the path
"$WORK/venv/bin/newsdesk" ingest "$REPO/seeds/articles" --index "$WORK/idx" --no-progress
OUT=$("$WORK/venv/bin/newsdesk" ask "Who asked US diplomats to leave?" --index "$WORK/idx")
# here-strings, not `echo | grep -q`: under pipefail a reader that stops early (grep -q, head)
# makes echo die of SIGPIPE and the check fail although the answer was printed
head -3 <<<"$OUT"
grep -q "Russian negotiators asked US diplomats to leave" <<<"$OUT" || {
  echo "wheel: the CLI did not answer the seed question" >&2; exit 1; }
"$WORK/venv/bin/python" "$REPO/scripts/wheel_smoke.py" "$WORK/idx"
echo "wheel: OK ($(basename "$WHEEL"))"
