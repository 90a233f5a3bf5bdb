"""`programme create|update|archive|delete` and `user add --scope` on today's codes, as scripts call them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support import ROOT


def _cli(url, *args, stdin=None):
    r = subprocess.run([sys.executable, "-m", "lib.cli", "--db", url, *args], input=stdin, capture_output=True,
                       text=True, cwd=ROOT, timeout=120)
    return r.returncode, (json.loads(r.stdout) if r.stdout.strip() else None), r.stderr


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'cli.db'}"


def test_programmes_at_every_level_from_the_command_line(url):
    code, out, err = _cli(url, "user", "add", "admin1", "--role", "admin", stdin="a long enough secret\n")
    assert code == 0, err
    made = {}
    for region, years in (("100000", "2023"), ("湖南省", "2021"), ("德州市", "2022"), ("祁阳市", "2023-2025")):
        code, out, err = _cli(url, "programme", "create", "--name", f"{region}老旧小区改造", "--region", region,
                              "--years", years, "--source", "某文件", "--user", "admin1")
        assert code == 0, err
        assert out["id"] and out["status"] == "active" and out["targets"] == {}
        made[region] = out
    assert made["100000"]["region"] == {"adcode": "100000", "name": "全国"}
    assert made["湖南省"]["region"]["adcode"] == "430000"
    assert made["祁阳市"]["region"]["adcode"] == "431181" and made["祁阳市"]["years"] == [2023, 2025]
    code, listed, _ = _cli(url, "programmes")
    assert [p["id"] for p in listed] == [made[r]["id"] for r in made]
    pid = str(made["德州市"]["id"])
    code, out, err = _cli(url, "programme", "update", pid, "--season-start", "03-15", "--season-end", "11-30",
                          "--eligibility-year", "2005", "--metrics", "communities,households,projects",
                          "--user", "admin1")
    assert code == 0 and out["season"] == ["03-15", "11-30"] and out["eligibility_year"] == 2005, err
    assert out["metrics"] == ["communities", "households", "projects"]
    code, out, err = _cli(url, "programme", "archive", pid, "--user", "admin1")
    assert code == 0 and out["status"] == "archived"
    code, listed, _ = _cli(url, "programmes")
    assert listed[-1]["id"] == int(pid)  # archived last
    # a district account on a county code that is newer than the boundary data
    code, out, err = _cli(url, "user", "add", "qiyang", "--role", "district", "--scope", "431181",
                          stdin="another long secret\n")
    assert code == 0, err
    code, out, err = _cli(url, "user", "add", "leader1", "--role", "leader", stdin="a third long secret\n")
    code, out, err = _cli(url, "programme", "create", "--name", "x", "--region", "630000", "--years", "2022",
                          "--user", "leader1")
    assert code == 1 and "管理员" in err or "权限" in err, err
    code, out, err = _cli(url, "programme", "create", "--name", "x", "--region", "火星", "--years", "2022")
    assert code == 1 and "找不到地名“火星”" in err
    code, out, err = _cli(url, "programme", "delete", str(made["湖南省"]["id"]), "--user", "admin1")
    assert code == 0 and out["deleted"] is True
