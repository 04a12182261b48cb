#!/usr/bin/env bash
# One command from a fresh clone: install, index the seed articles, start the web chat.
# Extra arguments go to `newsdesk chat` (e.g. --port 8080).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
. .venv/bin/activate
export NEWSDESK_INDEX="${NEWSDESK_INDEX:-$(pwd)/data/index}"
export HF_HUB_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False ANONYMIZED_TELEMETRY=False
newsdesk ingest seeds/articles
newsdesk index stats
exec newsdesk chat "$@"
