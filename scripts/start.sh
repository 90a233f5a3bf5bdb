#!/usr/bin/env bash
# Install and start the dashboard on the embedded SQLite store (data/renovation.db).
# On first start with an empty store the demonstration programmes are loaded.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check -r requirements.txt
python3 -m lib.cli init >/dev/null
exec python3 -m streamlit run app.py --server.headless true --server.port "${PORT:-8501}" "$@"
