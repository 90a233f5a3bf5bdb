#!/usr/bin/env bash
# Install everything the tests need and run them: SQLite and PostgreSQL stores,
# spreadsheets, and a real browser (Debian's Chromium with CJK fonts).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
fc-list 2>/dev/null | grep -q "Noto Sans CJK" || need_apt+=(fonts-noto-cjk)
# the bulletin and dispatch pack are printed to PDF to check their page breaks
command -v soffice >/dev/null 2>&1 || command -v libreoffice >/dev/null 2>&1 || need_apt+=(libreoffice-writer)
command -v pdftotext >/dev/null 2>&1 || need_apt+=(poppler-utils)
# two Streamlit replicas behind a real nginx (tests/deploy/test_replicas.py)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need_apt+=(nginx)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "missing Debian packages: ${need_apt[*]} (run as root or install them)" >&2
  fi
fi

# The PostgreSQL tests need a server; start the local one if it is installed but stopped.
if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -h 127.0.0.1 -q; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  for _ in $(seq 1 20); do pg_isready -h 127.0.0.1 -q && break; sleep 0.5; done
fi

python3 -m pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-dev.txt

# The tests must leave the clone as they found it: compare `git status` before and after. (Screenshots
# go to the ignored tests/_artifacts/; to refresh the README's, run
# `UPDATE_SCREENSHOTS=1 python3 -m pytest -m browser tests/browser` and commit the pictures.)
status() { git status --porcelain --untracked-files=all 2>/dev/null || true; }
before=$(status)
rc=0
python3 -m pytest -q -p no:cacheprovider "$@" || rc=$?
after=$(status)
if [ "$before" != "$after" ]; then
  echo "the test run changed the clone (git status before and after):" >&2
  diff <(echo "$before") <(echo "$after") >&2 || true
  [ "$rc" -ne 0 ] || rc=1
fi
exit "$rc"
