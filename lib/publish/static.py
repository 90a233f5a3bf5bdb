"""The static public edition: each closed week's public pages as plain HTML files.

One Streamlit process runs every viewer's script (≈0.4-0.9 CPU-seconds per viewer for overview, map
and rankings), so it cannot serve hundreds of residents at once on a small server. A closed week no
longer changes, so its public pages are written once, by the same lib functions the screens use
(metrics.summary, trends, rankings, lib.present.charts / maps), and any web server (nginx, python's
http.server) serves them to any number of viewers.

Layout of the output directory:

    index.html                   -> zh/latest/index.html (a redirect)
    assets/plotly.min.js(.gz)    one copy of plotly for every page (offline: no CDN)
    assets/site.css
    zh/<week>/index.html         overview (figure cards, pace, sub-regions' rates over the weeks)
    zh/<week>/map.html           county map (plotly choropleth_map, white background, no tiles)
    zh/<week>/rankings.html      ranking table and bars
    zh/latest/...                the newest closed week
    en/...                       the same in English

Public only: figures are read as the public Actor (no remarks, uploader names, problems or
register rows), the store is only read.
"""

from __future__ import annotations

import gzip
import html
import shutil
from datetime import date
from pathlib import Path

import plotly
import plotly.graph_objects as go

from lib.access.auth import Actor
from lib.domain.text import LANGS, Text
from lib.figures import asof, metrics, rankings, trends
from lib.office import fmt
from lib.present import charts, maps
from lib.present.i18n import t, week_label
from lib.store.engine import Store

PAGES = ("index.html", "map.html", "rankings.html")
NAV = (("index.html", "nav.overview"), ("map.html", "nav.map"), ("rankings.html", "nav.rankings"))
LATEST = Text("最新一周", "Latest week")
WEEKS = Text("往期", "Earlier weeks")
OTHER_LANG = Text("English", "中文")
PUBLISHED = Text("公众版静态页面，每个已截止的填报周生成一次；数据截至 {as_of}。",
                 "Static public pages, written once for each closed reporting week; data as of {as_of}.")
NO_CHILDREN = Text("该地区下没有可排名的下级地区。", "No sub-regions to rank.")

CSS = """
*{box-sizing:border-box}body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:0;
color:#1f2933;background:#fff}header{background:#0072B2;color:#fff;padding:.6em 1em}header a{color:#fff}
nav a{margin-right:1em;font-weight:600}nav a.on{text-decoration:underline}main{max-width:1100px;margin:auto;padding:1em}
h1{font-size:1.4em;margin:.3em 0}.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:.6em}
.card{border:1px solid #d9e2ec;border-radius:6px;padding:.6em}.card b{display:block;font-size:1.5em}
.bar{background:#e4e7eb;border-radius:4px;height:.8em}.bar span{display:block;height:100%;background:#0072B2;border-radius:4px}
table{border-collapse:collapse;width:100%;font-size:.95em}th,td{border-bottom:1px solid #e4e7eb;padding:.3em .4em;text-align:right}
th:nth-child(2),td:nth-child(2){text-align:left}.scroll{overflow-x:auto}.muted{color:#616e7c;font-size:.9em}
.legend span{display:inline-block;width:1em;height:1em;vertical-align:middle;margin:0 .3em 0 .8em}
.weeks a{margin-right:.6em}@media(max-width:600px){main{padding:.5em}h1{font-size:1.15em}}
"""


def closed_weeks(store: Store, programme: int) -> list[date]:
    """Reported weeks that have closed (a week still being reported is not published)."""
    return [d for d in metrics.report_dates(store, programme) if asof.is_closed(store, programme, d)]


def publish(store: Store, programme: int | str, out: Path, *, weeks: list[date] | None = None,
            langs: tuple[str, ...] = LANGS, metric: str | None = None, stat: str = "start_rate") -> dict:
    """Write the public pages of `programme`'s closed weeks under `out`. Returns what was written.

    Existing week directories are rewritten (a correction to a closed week shows on the next run).
    """
    prog = metrics.get_programme(store, programme)
    metric = metric or metrics.main_metric(store, prog.id)
    days = sorted(weeks if weeks is not None else closed_weeks(store, prog.id))
    out = Path(out)
    _assets(out / "assets")
    written = 0
    for lang in langs:
        # weeks published before stay listed; "latest" is the newest week on disk
        have = sorted(set(days) | {_day(p.name) for p in (out / lang).glob("????-??-??") if _day(p.name)})
        for day in days:
            written += _week(store, prog, day, out / lang / day.isoformat(), lang, metric, stat, have)
        if have:
            latest = out / lang / "latest"
            if latest.exists():
                shutil.rmtree(latest)
            shutil.copytree(out / lang / have[-1].isoformat(), latest)
            written += len(PAGES)
    first = f"{langs[0]}/latest/index.html" if days else None
    (out / "index.html").write_text(_redirect(first or "assets/site.css"), encoding="utf-8")
    return {"programme": prog.id, "weeks": [d.isoformat() for d in days], "langs": list(langs),
            "files": written, "out": str(out)}


# --- pieces ------------------------------------------------------------------------------------------

def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(name)
    except ValueError:
        return None


def _assets(d: Path) -> None:
    d.mkdir(parents=True, exist_ok=True)
    src = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    js = d / "plotly.min.js"
    if not js.exists() or js.stat().st_size != src.stat().st_size:
        shutil.copyfile(src, js)
        with open(js, "rb") as f, gzip.open(str(js) + ".gz", "wb", compresslevel=9) as g:
            g.write(f.read())  # nginx's gzip_static sends it compressed (1.4 MB instead of 4.8)
    (d / "site.css").write_text(CSS, encoding="utf-8")


def _redirect(target: str) -> str:
    return (f'<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0; url={target}">'
            f'<a href="{target}">{target}</a>')


def _e(x) -> str:
    return html.escape("" if x is None else str(x))


def _page(lang: str, title: str, body: str, current: str, day: date, days: list[date], plotly_js: bool) -> str:
    other = [x for x in LANGS if x != lang][0]
    nav = "".join(f'<a href="{href}"{" class=on" if href == current else ""}>{_e(t(key, lang))}</a>'
                  for href, key in NAV)
    earlier = " ".join(f'<a href="../{d.isoformat()}/{current}">{d.isoformat()}</a>' for d in reversed(days[-12:]))
    script = '<script src="../../assets/plotly.min.js"></script>' if plotly_js else ""
    return f"""<!doctype html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>{_e(title)} · {_e(t("app.title", lang))}</title>
<link rel="stylesheet" href="../../assets/site.css">{script}</head>
<body><header><div>{_e(t("app.title", lang))}</div><nav>{nav}
<a href="../../{other}/{day.isoformat()}/{current}" lang="{other}">{_e(OTHER_LANG.pick(lang))}</a></nav></header>
<main>{body}
<p class="muted">{_e(PUBLISHED.pick(lang).format(as_of=day.isoformat()))}</p>
<p class="weeks muted">{_e(WEEKS.pick(lang))}: <a href="../latest/{current}">{_e(LATEST.pick(lang))}</a> {earlier}</p>
</main></body></html>
"""


def _figure(fig: go.Figure, div_id: str) -> str:
    fig = charts.thaw(fig)
    fig.update_layout(width=None, autosize=True)  # as wide as the page: a phone gets no sideways scroll
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id,
                       config={"displayModeBar": False, "responsive": True})


def _week(store: Store, prog, day: date, d: Path, lang: str, metric: str, stat: str, days: list[date]) -> int:
    d.mkdir(parents=True, exist_ok=True)
    viewer = Actor.public()
    as_of = day.isoformat()
    s = metrics.summary(store, prog.id, as_of=as_of)
    prev = [x for x in days if x < day]
    p = metrics.summary(store, prog.id, as_of=prev[-1].isoformat()) if prev else None
    head = (f"<h1>{_e(s['programme_name'])} · {_e(s['name'])}</h1>"
            f'<p class="muted">{_e(t("dash.as_of", lang, week=week_label(s["as_of"], lang)))} · '
            f'{_e(t(f"metric.{metric}", lang))}</p>')

    # overview: cards, pace, the sub-regions' rates week by week
    m = s["totals"][metric]
    pm = p["totals"][metric] if p else None
    unit = t(f"figure.unit.{metric}", lang)

    def card(label: str, value: str, before: str | None = None) -> str:
        return f'<div class="card">{_e(label)}<b>{_e(value)}</b>{_e(before or "")}</div>'

    def delta(key: str) -> str | None:
        if pm is None or m[key] is None or pm[key] is None:
            return None
        return f"{'+' if m[key] >= pm[key] else ''}{fmt.exact(m[key] - pm[key])}"

    cards = "".join([
        card(t("kpi.target", lang), fmt.count(m["target"], unit, lang)),
        card(t("kpi.started", lang), fmt.count(m["started"], unit, lang), delta("started")),
        card(t("kpi.completed", lang), fmt.count(m["completed"], unit, lang), delta("completed")),
        card(t("kpi.start_rate", lang), fmt.pct(m["start_rate"])),
        card(t("kpi.completion_rate", lang), fmt.pct(m["completion_rate"])),
    ])
    share, rate = s["expected_share"], m["start_rate"] or 0.0
    pace = (f"<h2>{_e(t('pace.title', lang))}</h2>"
            f"<p>{_e(t('kpi.season', lang))} {_e(fmt.pct(share))}</p>"
            f'<div class="bar"><span style="width:{min(100, share * 100):.1f}%"></span></div>'
            f"<p>{_e(t('kpi.target_done', lang))} {_e(fmt.pct(rate))}</p>"
            f'<div class="bar"><span style="width:{min(100, rate * 100):.1f}%"></span></div>')
    chart = ""
    if s["children"]:
        series = trends.with_rates(trends.weekly_series(store, prog.id, None, by="children"), metric)
        series = series[series["week"] <= day]
        chart = _figure(charts.children_rates(series, stat, lang), "multiples")
    body = f'{head}<div class="cards">{cards}</div>{pace}{chart}'
    (d / "index.html").write_text(_page(lang, s["name"], body, "index.html", day, days, bool(chart)), "utf-8")

    # map: county choropleth (plotly, white background: no tile server, no request leaves the page)
    sc = metrics.summary(store, prog.id, as_of=as_of, by="county")
    rows = sc["children"] or [{"adcode": sc["adcode"], "name": sc["name"], "totals": sc["totals"]}]
    reference = sc["expected_share"] if stat == "start_rate" else sc["totals"][metric]["completion_rate"]
    features = maps.county_features(rows, stat, metric, lang, reference=reference)
    view = maps.view_for([r["adcode"] for r in rows], 900, 600)
    fig = go.Figure()
    for colour in sorted({tuple(f["properties"]["fill"]) for f in features["features"]}):
        fs = [f for f in features["features"] if tuple(f["properties"]["fill"]) == colour]
        rgba = f"rgba({colour[0]},{colour[1]},{colour[2]},{colour[3] / 255:.2f})"
        fig.add_trace(go.Choroplethmap(
            geojson={"type": "FeatureCollection", "features": fs}, featureidkey="properties.adcode",
            locations=[f["properties"]["adcode"] for f in fs], z=[1] * len(fs),
            colorscale=[[0, rgba], [1, rgba]], showscale=False, marker_line_color="#ffffff", marker_line_width=1,
            hovertext=[f"{f['properties']['name']}<br>{f['properties']['line1']}<br>{f['properties']['line2']}"
                       for f in fs], hoverinfo="text"))
    fig.update_layout(map_style="white-bg", map_center={"lat": view.latitude, "lon": view.longitude},
                      map_zoom=max(0.5, view.zoom - 0.3), height=560, margin=dict(l=0, r=0, t=0, b=0),
                      font_family="Noto Sans CJK SC, sans-serif")
    legend = "".join(f'<span style="background:{c}"></span>{_e(label)}'
                     for label, c in maps.legend(lang, reference, stat))
    body = (f"{head}<h2>{_e(t(f'kpi.{stat}', lang))}</h2>{_figure(fig, 'map')}"
            f'<p class="legend">{legend}</p><p class="muted">{_e(maps.reference_line(lang, reference, stat, sc["name"]))}</p>')
    (d / "map.html").write_text(_page(lang, sc["name"], body, "map.html", day, days, True), "utf-8")

    # rankings: one level down (counties for a province or prefecture), as the screen ranks them
    by = "county" if s["level"] in ("province", "prefecture") else None
    df = rankings.ranking(store, prog.id, None, as_of, metric=metric, stat=stat, by=by)
    if df.empty:
        body = f"{head}<p>{_e(NO_CHILDREN.pick(lang))}</p>"
    else:
        def arrow(v) -> str:
            if v is None or v != v:
                return "—"
            v = int(v)
            return f"▲{v}" if v > 0 else f"▼{-v}" if v < 0 else t("rank.unchanged", lang)

        cols = [t(k, lang) for k in ("col.rank", "col.region", "col.rate", "col.band", "col.change_week",
                                      "col.target", "col.started" if stat == "start_rate" else "col.completed")]
        done = "started" if stat == "start_rate" else "completed"
        trs = "".join(
            f"<tr><td>{_e(r['rank'])}</td><td>{_e(r['name'])}</td><td>{_e(fmt.pct(r['rate']) if r['rate'] == r['rate'] and r['rate'] is not None else '—')}</td>"
            f"<td>{_e(charts.band_label(r['band'], lang))}</td><td>{_e(arrow(r['rank_change_week']))}</td>"
            f"<td>{_e(fmt.exact(r['target']))}</td><td>{_e(fmt.exact(r[done]))}</td></tr>"
            for r in df.to_dict("records"))
        table = f'<div class="scroll"><table><thead><tr>{"".join(f"<th>{_e(c)}</th>" for c in cols)}</tr></thead><tbody>{trs}</tbody></table></div>'
        bars = _figure(charts.ranking_bars(df, lang), "bars") if len(df) <= 60 else ""
        body = f"{head}<h2>{_e(t(f'kpi.{stat}', lang))}</h2>{bars}{table}"
    (d / "rankings.html").write_text(_page(lang, s["name"], body, "rankings.html", day, days,
                                           not df.empty and len(df) <= 60), "utf-8")
    return len(PAGES)
