#!/usr/bin/env bash
# Install and start the dashboard on the embedded SQLite store (data/renovation.db).
# On first start with an empty store the demonstration programmes are loaded.
#   PORT=8600 bash scripts/start.sh                 another port
#   DASHBOARD_PUBLIC=1 bash scripts/start.sh        the public read-only edition (no sign-in, no writes)
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check -r requirements.txt
# The public read-only edition never writes: its store is prepared by the staff deployment
# (or `python3 -m lib.cli init` once), so it starts without migrating anything.
if [ "${DASHBOARD_PUBLIC:-0}" != "1" ]; then
  python3 -m lib.cli init >/dev/null
fi
echo "城镇老旧小区改造调度平台：http://localhost:${PORT:-8501}/ （端口可用 PORT=8600 bash scripts/start.sh 修改）" >&2
exec python3 -m streamlit run app.py --server.headless true --server.port "${PORT:-8501}" "$@"
