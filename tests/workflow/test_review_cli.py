"""The review workflow from the command line: programme update --review, import printing
"submitted", review list/approve/return/reopen/figures, exit 1 with a sentence when the account may not."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from lib.access import auth
from lib.store.engine import forget_stores, open_store
from tests.support import CD, ROOT
from tests.support.uploads import first_started_not_finished, progress_rows, xlsx

PW = "long enough password"


def cli(url, *args):
    return subprocess.run([sys.executable, "-m", "lib.cli", "--db", url, *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=180, env={**os.environ, "DASHBOARD_PUBLIC": "0"})


def test_review_commands(sqlite_demo_url, tmp_path):
    url = sqlite_demo_url
    store = open_store(url, read_only=False)
    for name, role, scope in (("boss", "admin", None), ("cd_clerk", "district", CD),
                              ("xn_rev", "district", "630100"), ("hd_rev", "district", "630200")):
        auth.create_user(store, auth.Actor.system(), name, role, PW, scope_adcode=scope)
    i = first_started_not_finished(store)
    f1, f2, f3 = (tmp_path / f"城东区第49周（{n}）.xlsx" for n in (1, 2, 3))
    for f, pct in ((f1, 97), (f2, 98), (f3, 99)):
        f.write_bytes(xlsx(progress_rows(store, {i: {"形象进度（%）": pct}})))
    forget_stores()

    r = cli(url, "programme", "update", "1", "--review", "prefecture", "--user", "cd_clerk")
    assert r.returncode == 1 and "无权" in r.stderr
    r = cli(url, "programme", "update", "1", "--review", "county", "--user", "boss")
    assert r.returncode == 1 and "prefecture,province" in r.stderr
    r = cli(url, "programme", "update", "1", "--review", "prefecture", "--user", "boss")
    assert r.returncode == 0 and json.loads(r.stdout)["review"] == "prefecture"

    imp = ["import", str(f1), "--programme", "1", "--as-of", "2021-12-03", "--user", "cd_clerk"]
    r = cli(url, *imp)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["status"] == "submitted" and "待审核" in r.stderr
    uid = str(out["upload_id"])

    r = cli(url, "review", "list", "--programme", "1", "--status", "submitted")
    assert [x["upload_id"] for x in json.loads(r.stdout)] == [int(uid)]

    r = cli(url, "review", "approve", uid, "--user", "cd_clerk")
    assert r.returncode == 1 and "本人" in r.stderr and not r.stdout
    r = cli(url, "review", "approve", uid, "--user", "hd_rev")
    assert r.returncode == 1 and "市州审核账号" in r.stderr
    r = cli(url, "review", "return", uid, "--reason", " ", "--user", "xn_rev")
    assert r.returncode == 1 and "理由" in r.stderr
    r = cli(url, "review", "return", uid, "--user", "xn_rev")
    assert r.returncode == 2  # --reason is required
    r = cli(url, "review", "return", uid, "--reason", "第5行进度与上周相比倒退", "--user", "xn_rev")
    assert r.returncode == 0 and json.loads(r.stdout)["status"] == "returned"
    r = cli(url, "review", "list", "--programme", "1", "--status", "returned")
    assert json.loads(r.stdout)[0]["return_reason"] == "第5行进度与上周相比倒退"
    r = cli(url, "uploads", "--programme", "1", "--county", CD)
    assert json.loads(r.stdout)[0]["return_reason"] == "第5行进度与上周相比倒退"

    r = cli(url, *[f2 if a == str(f1) else a for a in imp])
    assert r.returncode == 0 and json.loads(r.stdout)["status"] == "submitted"
    uid2 = str(json.loads(r.stdout)["upload_id"])
    r = cli(url, "review", "approve", uid2, "--user", "xn_rev")
    assert r.returncode == 0 and json.loads(r.stdout)["status"] == "approved"
    r = cli(url, "review", "approve", uid2, "--user", "xn_rev")
    assert r.returncode == 1 and "未执行" in r.stderr

    r = cli(url, *imp)  # the county-week is locked
    assert r.returncode == 1 and "xn_rev" in r.stderr and "review reopen" in r.stderr
    r = cli(url, "review", "reopen", CD, "--week", "2021-W48", "--reason", "补报投资", "--user", "hd_rev")
    assert r.returncode == 1 and "不能重新开放" in r.stderr
    r = cli(url, "review", "reopen", "城东区", "--week", "2021-12-03", "--programme", "1", "--reason", "补报投资",
            "--user", "xn_rev")
    assert r.returncode == 0 and json.loads(r.stdout)["status"] == "reopened"
    r = cli(url, *[f3 if a == str(f1) else a for a in imp])
    assert r.returncode == 0 and json.loads(r.stdout)["status"] == "submitted"

    r = cli(url, "review", "figures", "--programme", "1", "--until", "2021-12-31")
    fig = json.loads(r.stdout)
    cd = next(c for c in fig["by_county"] if c["adcode"] == CD)
    assert (cd["submitted"], cd["approved"], cd["returned"], cd["pending"]) == (3, 1, 1, 1)
    assert {x["reviewer"] for x in fig["by_reviewer"]} == {"xn_rev"}
