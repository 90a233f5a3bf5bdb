"""Zones and aliases: reporting units that are not administrative divisions.

Programmes report by units the division code table does not have: 开发区, 经开区, 高新区,
港务区, 新区, 兵团 … Two forms:

* an **alias**: one more name of an existing region (西海岸新区 = 黄岛区 370211), kept in
  `region_alias`;
* a **zone**: a unit of its own under a parent region, with a stable 6-digit code (the
  official 统计用区划代码 when there is one, e.g. 德州经济技术开发区 371471; otherwise one
  allocated inside the parent's range that clashes with no division, former code or
  zone), kept in `region` with kind 'zone'. It is a county-level unit: a prefecture's
  counties include its 开发区, so rankings and tables list it; maps show it as a point
  (lon/lat) or mark it as having no boundary.

Every write needs the 'programme' permission, is audited, and afterwards hands the
store's zones and aliases to lib.domain.regions (Store.load_local_regions).
"""

from __future__ import annotations

import math
import re
import unicodedata

from sqlalchemy import func, select

from lib.access import programmes
from lib.access.auth import Actor, require
from lib.domain import regions
from lib.domain.errors import AmbiguousName, NotFound, UserError
from lib.store.engine import Store, audit
from lib.store.models import Region, RegionAlias

# Where a point may lie: China's extent with a margin (lon 73°-136°E, lat 3°-54°N).
LON_RANGE = (73.0, 136.0)
LAT_RANGE = (3.0, 54.0)


def _name(text, what: str) -> str:
    name = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or "")))
    if not name:
        raise UserError(f"{what}名称为空，请填写名称，例如“德州经济技术开发区”。", f"The {what} name is empty.")
    if len(name) > 64 or any(unicodedata.category(ch).startswith("C") for ch in name):
        raise UserError(f"{what}名称“{name[:40]}”过长或含控制字符，请填写不超过64个字的名称。",
                        f"The {what} name is too long or has control characters.")
    if re.fullmatch(r"\d+", name):
        raise UserError(f"{what}名称“{name}”是数字，请填写文字名称；代码请用 --code。", "A name cannot be a number.")
    return name


def _region(text, what: str) -> regions.Region:
    try:
        return regions.lookup(text)
    except AmbiguousName as e:
        raise UserError(f"{what}“{str(text)[:40]}”不唯一：{e.zh}", f"{what} is ambiguous.",
                        candidates=e.candidates) from None
    except NotFound as e:
        raise UserError(f"{what}“{str(text)[:40]}”找不到：{e.zh}", f"Unknown {what}.") from None


def _programme_id(s, programme) -> int | None:
    return None if programme in (None, "") else programmes.get(s, programme).id


def _point(lon, lat) -> tuple[float | None, float | None]:
    if lon in (None, "") and lat in (None, ""):
        return None, None
    if lon in (None, "") or lat in (None, ""):
        raise UserError("经度和纬度须同时填写（如 --lon 116.36 --lat 37.45），或都不填。", "Give both lon and lat, or neither.")
    out = []
    for value, (lo, hi), what in ((lon, LON_RANGE, "经度"), (lat, LAT_RANGE, "纬度")):
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise UserError(f"{what}“{str(value)[:20]}”不是数字，请填写十进制度数，如 116.36。", f"{what}: not a number.") from None
        if not math.isfinite(v) or not lo <= v <= hi:
            raise UserError(f"{what} {str(value)[:20]} 不在中国范围内（{lo:g}–{hi:g}），请检查是否填反或写错。",
                            f"{what} is outside China.")
        out.append(v)
    return out[0], out[1]


def _name_taken(s, name: str) -> str | None:
    """What already goes by this name: a division, a zone, or an alias (a sentence), else None."""
    alias = s.get(RegionAlias, name)
    if alias is not None:
        return f"已是{regions.describe(alias.adcode)}的别名"
    try:
        r = regions.resolve(name)
    except AmbiguousName as e:
        return f"已对应{'、'.join(regions.describe(c) for c in e.candidates[:5])}"
    except NotFound:
        return None
    if name == r.name or name in regions.aliases(r):
        return f"已是{regions.describe(r.adcode)}的名称"
    return None


def add_zone(store: Store, actor: Actor, name: str, parent: str, code: str | None = None, lon=None, lat=None,
             programme=None, note: str | None = None) -> dict:
    """Add a zone under a parent region; returns it. The code: the one given (统计用区划代码) or a free one.

    Parent 100000 (全国): a province-level unit beside the provinces (新疆生产建设兵团, code 660000).
    """
    require(actor, "programme")
    name = _name(name, "功能区")
    up = _region(parent, "上级地区")
    if up.kind not in ("division", "country"):
        raise UserError(f"上级地区须为全国、省、市（州）或县（市、区），功能区{regions.describe(up.adcode)}不能作为功能区的上级。",
                        "A zone's parent is the country, a province, prefecture or county.")
    lon, lat = _point(lon, lat)
    prefix = regions.code_prefix(up.adcode)
    if code not in (None, ""):
        code = unicodedata.normalize("NFKC", str(code)).strip()
        if not re.fullmatch(r"\d{6}", code):
            raise UserError(f"功能区代码“{code[:20]}”应为6位数字（统计用区划代码的前6位，如 371471）。",
                            "A zone code is 6 digits.")
        if up.kind == "country" and (not code.endswith("0000") or
                                     any(c.startswith(code[:2]) for c in regions.divisions_today())):
            raise UserError(f"与省并列的功能区代码应为“两位数字＋0000”且前两位不是任何省的代码（如新疆生产建设兵团 660000），"
                            f"{code} 不符合。", "A province-level zone code is NN0000 with NN no province's.")
        if not code.startswith(prefix):
            raise UserError(f"功能区代码 {code} 应以上级地区{up.name}的代码前缀 {prefix} 开头。",
                            f"The code must start with {prefix}.")
        held = regions.code_in_use(code)
        if held == "division":
            raise UserError(f"代码 {code} 已是行政区划{regions.describe(code)}的代码，功能区不能使用。",
                            "The code is a division's.")
        if held == "former":
            raise UserError(f"代码 {code} 是已撤销或已改码的行政区划代码（现为{regions.describe(code)}），功能区不能使用。",
                            "The code was a division's.")
    with store.write() as s:
        taken = _name_taken(s, name)
        if taken:
            raise UserError(f"名称“{name}”{taken}；若功能区就是该地区，请用 zone alias 登记别名，否则请换一个名称。",
                            "The name is taken.")
        if code in (None, ""):
            code = regions.free_zone_code(up.adcode, s.scalars(select(Region.adcode).where(
                Region.kind == "zone", Region.adcode.startswith(prefix))).all())
        if s.get(Region, code) is not None:
            raise UserError(f"代码 {code} 已被功能区“{s.get(Region, code).name}”使用，请换一个代码。",
                            "The code is another zone's.")
        pid = _programme_id(s, programme)
        z = regions.make_zone(code, name, up.adcode, lon=lon, lat=lat, programme_id=pid, note=note)
        s.add(Region(adcode=z.adcode, name=z.name, level=z.level, parent_adcode=z.parent,
                     province_adcode=z.province, prefecture_adcode=z.prefecture, is_county=True, kind="zone",
                     lon=z.lon, lat=z.lat, programme_id=pid, note=z.note or None))
        out = _zone_dict(z)
        audit(s, str(actor), "zone.add", "region", z.adcode, programme_id=pid, after=out)
    store.load_local_regions()
    return out


def add_alias(store: Store, actor: Actor, name: str, region: str, programme=None) -> dict:
    """Register one more name for an existing region (or zone): 西海岸新区 → 黄岛区 370211."""
    require(actor, "programme")
    name = _name(name, "别名")
    target = _region(region, "地区")
    with store.write() as s:
        have = s.get(RegionAlias, name)
        if have is not None:
            raise UserError(f"别名“{name}”已登记为{regions.describe(have.adcode)}，如需改为其他地区请先删除（zone remove）。",
                            "The alias exists.")
        taken = _name_taken(s, name)
        if taken:
            raise UserError(f"名称“{name}”{taken}，不需要（也不能）再登记为别名。", "The name is taken.")
        pid = _programme_id(s, programme)
        s.add(RegionAlias(name=name, adcode=target.adcode, programme_id=pid, created_by=str(actor)))
        out = {"name": name, "adcode": target.adcode, "region": regions.describe(target.adcode), "programme_id": pid}
        audit(s, str(actor), "alias.add", "region_alias", name, programme_id=pid, after=out)
    store.load_local_regions()
    return out


def _zone_dict(z: regions.Region) -> dict:
    return {"adcode": z.adcode, "name": z.name, "parent": z.parent, "path": regions.describe(z.parent),
            "lon": z.lon, "lat": z.lat, "programme_id": z.programme_id, "note": z.note or None}


def list_zones(store: Store) -> dict:
    """The store's zones and aliases (public facts about regions: no viewer needed)."""
    with store.session() as s:
        zones = s.scalars(select(Region).where(Region.kind == "zone").order_by(Region.adcode)).all()
        aliases = s.scalars(select(RegionAlias).order_by(RegionAlias.name)).all()
    return {
        "zones": [{"adcode": z.adcode, "name": z.name, "parent": z.parent_adcode,
                   "path": regions.describe(z.parent_adcode) if regions.exists(z.parent_adcode) else z.parent_adcode,
                   "lon": z.lon, "lat": z.lat, "programme_id": z.programme_id, "note": z.note} for z in zones],
        "aliases": [{"name": a.name, "adcode": a.adcode,
                     "region": regions.describe(a.adcode) if regions.exists(a.adcode) else a.adcode,
                     "programme_id": a.programme_id, "created_by": a.created_by} for a in aliases],
    }


def _references(s, code: str) -> dict[str, int]:
    """Rows that refer to a region code, per table (the region table's own key left out)."""
    found = {}
    for t in Region.metadata.sorted_tables:
        for c in t.columns:
            if c.name.endswith("adcode") and not (t.name == "region" and c.name == "adcode"):
                n = s.scalar(select(func.count()).select_from(t).where(c == code))
                if n:
                    found[t.name] = found.get(t.name, 0) + n
    return found


_TABLE_ZH = {"project": "个项目", "target": "条目标", "programme": "个计划", "aggregate_report": "条汇总填报",
             "upload": "个上传批次", "app_user": "个账号", "follow_up_action": "条督办事项", "region_alias": "个别名",
             "county_rollup": "条县级汇总", "region": "个下级地区"}


def remove(store: Store, actor: Actor, what: str) -> dict:
    """Remove an alias (by name) or a zone (by code or name) that nothing refers to."""
    require(actor, "programme")
    key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(what or "")))
    with store.write() as s:
        alias = s.get(RegionAlias, key)
        if alias is not None:
            before = {"name": alias.name, "adcode": alias.adcode, "programme_id": alias.programme_id}
            s.delete(alias)
            audit(s, str(actor), "alias.remove", "region_alias", key, programme_id=alias.programme_id, before=before)
            out = {"removed": "alias", **before}
        else:
            zone = s.get(Region, key) if re.fullmatch(r"\d{6}", key) else \
                s.scalar(select(Region).where(Region.kind == "zone", Region.name == key))
            if zone is None or zone.kind != "zone":
                raise NotFound(f"没有名为或代码为“{key[:40]}”的功能区或别名，请用 zone list 查看。", f"No zone or alias {key!r}.")
            refs = _references(s, zone.adcode)
            if refs:
                used = "、".join(f"{n}{_TABLE_ZH.get(t, '行（' + t + '）')}" for t, n in sorted(refs.items()))
                raise UserError(f"功能区“{zone.name}”（{zone.adcode}）仍被引用：{used}，不能删除。",
                                "The zone is still referred to.", references=refs)
            before = {"adcode": zone.adcode, "name": zone.name, "parent": zone.parent_adcode, "lon": zone.lon,
                      "lat": zone.lat, "programme_id": zone.programme_id}
            s.delete(zone)
            audit(s, str(actor), "zone.remove", "region", zone.adcode, programme_id=zone.programme_id, before=before)
            out = {"removed": "zone", **before}
    store.load_local_regions()
    return out
