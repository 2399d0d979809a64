"""The printable talent card (issue #16, part 3): one A4 page per person, and the meeting pack of a calibration session.

`card_data` gathers, within the viewer's department scope, what a talent review asks about a person: the header (no
photo), performance history, potential and its reasons, the 9-box placement before and after calibration, readiness
and the key seats they are named for, development-plan progress, review outcomes, the anonymous 360° summary (as the
candidate sees it: services.self_service.anonymous_summary) and the flight-risk band when the flight-risk model has
scored, each with its source (import run and date, model version, the app's records). `card_html` lays it out for
paper; `render_pdf` prints HTML with Chromium; `meeting_pack_pdf` prints the calibrated grid and every card in one
Chromium call. `card_pdf` / `meeting_pack` are the downloads: they check who asks and write the audit row.

Everything imported (names, positions, departments, plan titles, review texts) is HTML-escaped; no file path is shown.
"""
from __future__ import annotations

import contextlib
import html
import os
import shutil
import subprocess
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Iterator

import duckdb
import polars as pl

from . import auth, calibration, factors, flight_risk, people, plans, pool, reviews, succession
from .auth import User
from .i18n import DEFAULT_LANGUAGE, t
from .permissions import NotAllowed
from .self_service import GROUP_ORDER, RATER_GROUP_MIN, anonymous_summary

Scope = tuple[str, ...] | None
RENDER_SECONDS = 90  # one Chromium print; a pack of 30 cards takes a few seconds
RATINGS_SHOWN = 8  # the latest periods on the card
PLAN_ITEMS_SHOWN = 5
REVIEWS_SHOWN = 3
TEXT_SHOWN = 220  # characters of a review text on paper
# The succession readiness codes (services.succession.READINESS) said with the pool's readiness words.
SEAT_READINESS = {"ready_now": "readiness.ready_now", "1_2_years": "readiness.ready_1_2_years", "3_plus_years": "readiness.ready_3_plus_years"}
BANDS = people.BANDS  # low, medium, high


class ChromiumMissing(RuntimeError):
    """No Chromium to print with; the message says what to install (the page then offers the HTML)."""


class RenderFailed(RuntimeError):
    """Chromium ran but made no PDF (or took too long)."""


# --- the data ------------------------------------------------------------------------------------------------
def _tr(lang: str):
    return lambda key, **values: t(key, lang=lang, **values)


def _sources(cur: duckdb.DuckDBPyConnection) -> dict:
    """The analysis build's import run and as-of date, every import run's date, and the flight-risk model's version."""
    meta = cur.sql("SELECT run_id, as_of_date FROM analysis_meta").fetchall()
    runs = cur.sql("SELECT run_id, CAST(finished_at AS DATE) AS imported_on, finished_at FROM import_runs").pl()
    risk_version, risk_as_of = flight_risk.source(cur)
    run_id, as_of = meta[0] if meta else (None, None)
    imported = runs.filter(pl.col("run_id") == run_id)["imported_on"]
    return {"run": run_id, "as_of": as_of, "imported_on": imported[0] if imported.len() else None, "runs": runs,
            "risk_version": risk_version, "risk_as_of": risk_as_of}


def _placements(cur: duckdb.DuckDBPyConnection, scope: Scope, employee_ids: list[str]) -> pl.DataFrame:
    """Original (services.people.nine_box) and calibrated (services.calibration.current) box of the listed people."""
    grid = people.nine_box(cur, scope, None).filter(pl.col("employee_id").is_in(employee_ids))
    moved = calibration.current(scope).filter(pl.col("employee_id").is_in(employee_ids)).drop("department")
    return grid.select("employee_id", "performance", "potential", "potential_source").join(
        moved, on="employee_id", how="left")


def cards_data(cur: duckdb.DuckDBPyConnection, scope: Scope, employee_ids: list[str], lang: str = DEFAULT_LANGUAGE,
               printed_by: str | None = None, printed_at: datetime | None = None) -> list[dict]:
    """card_data for several people at once (the meeting pack): the shared reads are made once. NotAllowed when any of
    them is outside scope (or does not exist): a head prints only their own people."""
    ids = list(dict.fromkeys(employee_ids))
    allowed = people.in_scope(cur, scope, ids)
    if not ids or len(allowed) != len(ids):
        missing = [e for e in ids if e not in allowed]
        raise NotAllowed(t("talent_card.not_allowed", lang=lang, employees=", ".join(missing) or "–"))
    printed_at = printed_at or datetime.now().replace(microsecond=0)
    sources = _sources(cur)
    placements = _placements(cur, scope, ids)
    members = pool.current_members(cur, scope).filter(pl.col("employee_id").is_in(ids))
    risks = flight_risk.scores(cur, scope, employee_ids=ids)
    items = plans.progress_items(cur, scope, printed_at.date(), tuple(ids))
    cards = []
    for employee_id in ids:  # one card per person: a handful of small reads each
        person = people.profile(cur, scope, employee_id)
        ratings = people.records(cur, scope, employee_id, "performance_ratings")
        rating_runs = ratings.join(sources["runs"].select("run_id", pl.col("finished_at").alias("imported_at")), on="imported_at", how="left") \
            if ratings.height else ratings
        placed = placements.filter(pl.col("employee_id") == employee_id)
        member = members.filter(pl.col("employee_id") == employee_id)
        risk = risks.filter(pl.col("employee_id") == employee_id)
        mine = items.filter(pl.col("employee_id") == employee_id) if items.height else items
        counted = mine.filter(pl.col("counts")) if mine.height else mine
        feedback = anonymous_summary(cur, employee_id)
        cards.append({
            "lang": lang, "printed_by": printed_by, "printed_at": printed_at,
            "person": {k: person[k] for k in ("employee_id", "name", "position", "department", "job_level", "tenure_years", "status",
                                              "hire_date", "latest_rating", "latest_annual_year", "pool_score", "meets_pool_rules")},
            "ratings": ratings.tail(RATINGS_SHOWN).select("period", "rating", "score"),
            "ratings_source": {"runs": sorted({r for r in rating_runs["run_id"].to_list() if r is not None}) if ratings.height else [],
                               "imported_on": ratings["imported_at"].max().date() if ratings.height and ratings["imported_at"].max() else None},
            "potential": None if person.get("potential_score") is None else {
                "score": person["potential_score"], "percentile": person["potential_percentile"], "version": person["model_version"],
                "as_of": person["scored_as_of"], **factors.up_and_down(person.get("factors"), lang)},
            "placement": placed.row(0, named=True) if placed.height else None,
            "pool": member.row(0, named=True) if member.height else None,
            "seats": succession.named_for(employee_id).select("position", "department", "readiness", "rank"),
            "plan": {"items": counted.height, "done": int(counted["done"].sum()) if counted.height else 0,
                     "overdue": int(counted["overdue"].sum()) if counted.height else 0,
                     "list": counted.sort("done", "due_date").head(PLAN_ITEMS_SHOWN).select("kind", "title", "due_date", "status", "done")
                     if counted.height else None,
                     "starts_on": counted["starts_on"].min() if counted.height else None},
            "reviews": reviews.person_results(scope, employee_id).head(REVIEWS_SHOWN).select(
                "cycle_id", "year", "kind", "status", "composite_score", "outcome", "confirmed_outcome", "strengths", "gaps"),
            "feedback": feedback,
            "risk": risk.row(0, named=True) if risk.height else None,
            "sources": {k: v for k, v in sources.items() if k != "runs"},
        })
    return cards


def card_data(cur: duckdb.DuckDBPyConnection, scope: Scope, employee_id: str, lang: str = DEFAULT_LANGUAGE,
              printed_by: str | None = None, printed_at: datetime | None = None) -> dict:
    """Everything one card shows, within scope (NotAllowed outside it), with each figure's source."""
    return cards_data(cur, scope, [employee_id], lang, printed_by, printed_at)[0]


# --- the HTML ------------------------------------------------------------------------------------------------
CSS = """
@page { size: A4; margin: 11mm 12mm 10mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; font-family: 'Liberation Sans', 'DejaVu Sans', Arial, 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif;
       color: #1b2733; font-size: 8.6pt; line-height: 1.32; }
body.zh { font-family: 'Noto Sans CJK SC', 'Microsoft YaHei', 'PingFang SC', 'Liberation Sans', sans-serif; font-size: 8.4pt; }
.page { page-break-after: always; break-after: page; }
.page:last-child { page-break-after: auto; break-after: auto; }
.card { height: 275mm; display: flex; flex-direction: column; overflow: hidden; }
.top { display: flex; justify-content: space-between; align-items: flex-end; border-bottom: 2.5px solid #1F5A96; padding-bottom: 2.5mm; }
h1 { margin: 0; font-size: 19pt; color: #1F5A96; line-height: 1.1; }
.role { margin: 1.2mm 0 0; font-size: 10.5pt; font-weight: 600; }
.facts { margin: .6mm 0 0; color: #4a5a6a; }
.stamp { text-align: right; color: #5b6b7b; font-size: 7.6pt; }
.stamp b { display: block; color: #1F5A96; font-size: 10pt; letter-spacing: .04em; text-transform: uppercase; }
.tiles { display: grid; grid-template-columns: repeat(5, 1fr); gap: 2mm; margin: 3mm 0 1mm; }
.tile { border: 1px solid #c9d4df; border-radius: 2mm; padding: 1.6mm 2mm; background: #f4f7fa; }
.tile .k { color: #5b6b7b; font-size: 7.2pt; text-transform: uppercase; letter-spacing: .03em; }
body.zh .tile .k { text-transform: none; letter-spacing: 0; }
.tile .v { font-size: 11pt; font-weight: 700; color: #1b2733; margin-top: .4mm; }
.tile .s { color: #4a5a6a; font-size: 7.4pt; }
.cols { display: grid; grid-template-columns: 1fr 1fr; gap: 0 6mm; flex: 1; }
section { margin-top: 2.6mm; break-inside: avoid; }
h2 { font-size: 9.8pt; color: #1F5A96; margin: 0 0 1.2mm; border-bottom: 1px solid #9fb4c9; padding-bottom: .5mm; }
.src { color: #6b7b8b; font-size: 6.9pt; margin: .8mm 0 0; }
.none { color: #6b7b8b; font-style: italic; margin: 0; }
table { border-collapse: collapse; width: 100%; }
th { text-align: left; font-weight: 600; color: #4a5a6a; font-size: 7.4pt; border-bottom: 1px solid #c9d4df; padding: .6mm 1mm; }
td { padding: .6mm 1mm; border-bottom: 1px solid #e6ebf0; vertical-align: top; }
td.n, th.n { text-align: right; white-space: nowrap; }
.hist td, .hist th { text-align: center; }
.hist td.lab, .hist th.lab { text-align: left; color: #4a5a6a; font-weight: 600; }
.hist .grade { font-weight: 700; font-size: 9.4pt; }
ul { margin: .4mm 0 0; padding-left: 4mm; } li { margin: .2mm 0; }
.reasons { display: grid; grid-template-columns: 1fr 1fr; gap: 3mm; }
.reasons b { font-size: 7.6pt; color: #4a5a6a; }
.grid9 { border-collapse: separate; border-spacing: .8mm; width: 100%; table-layout: fixed; }
.grid9 td { height: 8.5mm; border: 1px solid #c9d4df; border-radius: 1mm; font-size: 7pt; line-height: 1.15; text-align: center;
            vertical-align: middle; color: #7b8b9b; padding: .3mm; }
.grid9 td.orig { border: 1.6px dashed #1F5A96; color: #1F5A96; }
.grid9 td.cal { background: #1F5A96; color: #fff; font-weight: 700; border-color: #1F5A96; }
.grid9 th { font-size: 6.2pt; font-weight: 400; color: #6b7b8b; border: none; padding: 0; text-align: center; }
.grid9 th.side { width: 15mm; text-align: right; padding-right: .6mm; }
.legend { font-size: 7.6pt; margin-top: .8mm; }
.legend p { margin: 0 0 1mm; }
.key { display: inline-block; width: 3mm; height: 2.4mm; vertical-align: middle; margin-right: 1mm; border-radius: .5mm; }
.key.orig { border: 1.4px dashed #1F5A96; } .key.cal { background: #1F5A96; }
.bar { height: 2.4mm; background: #e6ebf0; border-radius: 1.2mm; overflow: hidden; margin: .8mm 0 1mm; }
.bar span { display: block; height: 100%; background: #2E8B57; }
.done { color: #2E8B57; font-weight: 600; } .late { color: #B8432F; font-weight: 600; }
.band-high { color: #B8432F; } .band-medium { color: #B7791F; } .band-low { color: #2E8B57; }
.text { color: #33424f; font-size: 7.6pt; margin: .3mm 0 0; }
footer { border-top: 1px solid #9fb4c9; margin-top: 2mm; padding-top: 1.2mm; color: #5b6b7b; font-size: 6.9pt; }
footer p { margin: 0 0 .4mm; }
.gridpage h1 { margin-bottom: 1mm; }
.boxes { border-collapse: separate; border-spacing: 1.5mm; table-layout: fixed; width: 100%; margin-top: 3mm; }
.boxes td { border: 1px solid #9fb4c9; border-radius: 1.5mm; vertical-align: top; padding: 1.5mm 2mm; height: 68mm; background: #fafcfe; }
.boxes td.m0 { background: #eef7f1; } .boxes td.m1 { background: #eef3f9; } .boxes td.m2 { background: #fdf6e9; } .boxes td.m3 { background: #fbeeee; }
.boxes th { font-size: 8pt; color: #4a5a6a; font-weight: 600; padding: 0; border: none; text-align: center; }
.boxes th.side { width: 18mm; text-align: right; padding-right: 1.5mm; vertical-align: middle; }
.boxes th.corner { font-size: 7pt; font-weight: 400; vertical-align: top; }
.boxes ul.many { columns: 2; column-gap: 3mm; font-size: 7pt; }
.boxes .name { font-weight: 700; color: #1F5A96; font-size: 8.4pt; margin-bottom: .8mm; }
.boxes .count { color: #5b6b7b; font-weight: 400; }
.boxes ul { list-style: none; padding: 0; margin: 0; font-size: 7.6pt; }
.boxes li.moved::after { content: " ↕"; color: #B8432F; }
.moves td, .moves th { font-size: 7.6pt; }
"""


def _e(value) -> str:
    """Any value as safe HTML text; missing as a dash."""
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    return html.escape(str(value))


def _short(text: str | None, limit: int = TEXT_SHOWN) -> str | None:
    if not text:
        return None
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _date(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d}"
    return f"{value:%Y-%m-%d}" if isinstance(value, date) else _e(value)


def _box_name(performance: str | None, potential: str | None, lang: str) -> str:
    if performance is None or potential is None:
        return "–"
    return t(f"nine_box.{people.BOXES[(performance, potential)]}", lang=lang)


def _band(band: str, lang: str) -> str:
    return t(f"grid.band_{band}", lang=lang)


def _section(title: str, body: str, source: str | None = None) -> str:
    src = f'<p class="src">{source}</p>' if source else ""
    return f"<section><h2>{_e(title)}</h2>{body}{src}</section>"


def _tile(key: str, value: str, sub: str = "", css: str = "") -> str:
    return f'<div class="tile"><div class="k">{_e(key)}</div><div class="v {css}">{value}</div><div class="s">{sub}</div></div>'


def _ratings_html(card: dict, tr) -> str:
    ratings: pl.DataFrame = card["ratings"]
    if ratings.height == 0:
        return f'<p class="none">{_e(tr("talent_card.no_ratings"))}</p>'
    periods = "".join(f"<th>{_e(p)}</th>" for p in ratings["period"].to_list())
    grades = "".join(f'<td class="grade">{_e(r)}</td>' for r in ratings["rating"].to_list())
    scores = "".join(f"<td>{'–' if s is None else f'{s:.0f}'}</td>" for s in ratings["score"].to_list())
    return (f'<table class="hist"><tr><th class="lab">{_e(tr("talent_card.period"))}</th>{periods}</tr>'
            f'<tr><td class="lab">{_e(tr("talent_card.rating"))}</td>{grades}</tr>'
            f'<tr><td class="lab">{_e(tr("talent_card.score"))}</td>{scores}</tr></table>')


def _potential_html(card: dict, tr) -> tuple[str, str | None]:
    potential = card["potential"]
    if potential is None:
        score = f"{card['person']['pool_score']:.0f}"
        return f'<p class="none">{_e(tr("talent_card.no_potential", score=score))}</p>', _e(tr("talent_card.source_pool_score"))
    up = "".join(f"<li>{_e(x)}</li>" for x in potential["up"]) or f'<li class="none">{_e(tr("talent_card.nothing"))}</li>'
    down = "".join(f"<li>{_e(x)}</li>" for x in potential["down"]) or f'<li class="none">{_e(tr("talent_card.nothing"))}</li>'
    body = (f'<div class="reasons"><div><b>{_e(tr("profile.factor_up"))}</b><ul>{up}</ul></div>'
            f'<div><b>{_e(tr("profile.factor_down"))}</b><ul>{down}</ul></div></div>')
    return body, _e(tr("talent_card.source_model", version=potential["version"], as_of=_date(potential["as_of"])))


def _nine_box_html(card: dict, lang: str, tr) -> tuple[str, str]:
    placed = card["placement"]
    if placed is None:
        return f'<p class="none">{_e(tr("talent_card.not_placed"))}</p>', _e(tr("talent_card.source_grid_none"))
    original = (placed["performance"], placed["potential"])
    calibrated = (placed["calibrated_performance"], placed["calibrated_potential"]) if placed.get("calibrated_performance") else original
    rows = []
    for performance in reversed(BANDS):  # high performance on top, as on the grid page
        cells = []
        for potential in BANDS:
            css = " ".join(c for c, hit in (("orig", (performance, potential) == original), ("cal", (performance, potential) == calibrated)) if hit)
            cells.append(f'<td class="{css}">{_e(_box_name(performance, potential, lang))}</td>')
        rows.append(f'<tr><th class="side">{_e(_band(performance, lang))}</th>{"".join(cells)}</tr>')
    axis = "".join(f"<th>{_e(_band(p, lang))}</th>" for p in BANDS)
    grid = (f'<table class="grid9">{"".join(rows)}<tr><th></th>{axis}</tr>'
            f'<tr><th class="side">↑ {_e(tr("talent_card.axis_performance"))}</th><th colspan="3">{_e(tr("talent_card.axis_potential"))} →</th></tr></table>')
    moved = calibrated != original
    legend = [f'<p><span class="key cal"></span>{_e(tr("talent_card.label", label=tr("talent_card.calibrated_box")))}'
              f'<b>{_e(_box_name(*calibrated, lang))}</b></p>']
    if moved:
        legend.append(f'<p><span class="key orig"></span>{_e(tr("talent_card.label", label=tr("talent_card.original_box")))}'
                      f'{_e(_box_name(*original, lang))}</p>')
        legend.append(f'<p>{_e(tr("talent_card.moved_by", by=placed["calibrated_by"], on=_date(placed["calibrated_at"])))}</p>')
    else:
        legend.append(f'<p>{_e(tr("talent_card.not_moved"))}</p>')

    source = tr("talent_card.source_grid", year=card["person"]["latest_annual_year"] or "–",
                potential=tr("grid.source_model") if placed["potential_source"] == "model" else tr("grid.source_score"))
    return f'{grid}<div class="legend">{"".join(legend)}</div>', _e(source)


def _succession_html(card: dict, tr) -> str:
    member = card["pool"]
    if member:
        readiness = tr(f"readiness.{member['readiness']}") if member["readiness"] else "–"
        target = f' · {_e(tr("talent_card.target", target=member["target_position"]))}' if member["target_position"] else ""
        lines = [f'<p>{_e(tr("talent_card.pool_in", readiness=readiness, since=_date(member["entered"])))}{target}</p>']
    else:
        lines = [f'<p class="none">{_e(tr("talent_card.pool_out"))}</p>']
    seats: pl.DataFrame = card["seats"]
    if seats.height:
        body = "".join(f"<tr><td>{_e(s['position'])}</td><td>{_e(s['department'])}</td>"
                       f"<td>{_e(tr(SEAT_READINESS.get(s['readiness'], 'talent_card.unknown')))}</td><td class=\"n\">{_e(s['rank'])}</td></tr>"
                       for s in seats.to_dicts())
        lines.append(f'<table><tr><th>{_e(tr("talent_card.seat"))}</th><th>{_e(tr("talent_card.department"))}</th>'
                     f'<th>{_e(tr("talent_card.readiness"))}</th><th class="n">{_e(tr("talent_card.rank"))}</th></tr>{body}</table>')
    else:
        lines.append(f'<p class="none">{_e(tr("talent_card.no_seats"))}</p>')
    return "".join(lines)


def _plan_html(card: dict, tr) -> str:
    plan = card["plan"]
    if plan["items"] == 0:
        return f'<p class="none">{_e(tr("talent_card.no_plan"))}</p>'
    share = plan["done"] / plan["items"]
    parts = [f'<p>{_e(tr("talent_card.plan_progress", done=plan["done"], items=plan["items"], share=round(100 * share)))}'
             + (f' · <span class="late">{_e(tr("talent_card.plan_overdue", n=plan["overdue"]))}</span>' if plan["overdue"] else "") + "</p>",
             f'<div class="bar"><span style="width:{100 * share:.0f}%"></span></div>']
    rows = []
    for item in plan["list"].to_dicts():
        status = f'<span class="done">{_e(tr("plan_status.done"))}</span>' if item["done"] else _e(tr(f"plan_status.{item['status']}"))
        kind = tr(f"plan_kind.{item['kind']}")
        rows.append(f"<tr><td>{_e(kind)}</td><td>{_e(_short(item['title'], 70))}</td>"
                    f'<td class="n">{_date(item["due_date"])}</td><td>{status}</td></tr>')
    parts.append(f'<table><tr><th>{_e(tr("talent_card.kind"))}</th><th>{_e(tr("talent_card.item"))}</th><th class="n">{_e(tr("talent_card.due"))}</th>'
                 f'<th>{_e(tr("talent_card.status"))}</th></tr>{"".join(rows)}</table>')
    return "".join(parts)


def _reviews_html(card: dict, tr) -> str:
    results: pl.DataFrame = card["reviews"]
    if results.height == 0:
        return f'<p class="none">{_e(tr("talent_card.no_reviews"))}</p>'
    rows = []
    for r in results.to_dicts():
        outcome = r["confirmed_outcome"] or r["outcome"]
        words = _e(tr(f"outcome.{outcome}")) if outcome else _e(tr("talent_card.not_assessed"))
        if r["confirmed_outcome"]:
            words += f' <span class="src">({_e(tr("talent_card.confirmed"))})</span>'
        kind = tr(f"reviews.kind_{r['kind']}")
        composite = "–" if r["composite_score"] is None else f"{r['composite_score']:.1f}"
        rows.append(f'<tr><td>{_e(r["year"])} · {_e(kind)}</td><td class="n">{composite}</td><td>{words}</td></tr>')
    latest = results.row(0, named=True)
    texts = "".join(f'<p class="text"><b>{_e(tr("talent_card.label", label=tr(label)))}</b>{_e(_short(latest[key]))}</p>'
                    for key, label in (("strengths", "reviews.strengths"), ("gaps", "reviews.gaps")) if _short(latest[key]))
    return (f'<table><tr><th>{_e(tr("talent_card.cycle"))}</th><th class="n">{_e(tr("talent_card.composite"))}</th>'
            f'<th>{_e(tr("talent_card.outcome"))}</th></tr>{"".join(rows)}</table>{texts}')


def _feedback_html(card: dict, tr) -> tuple[str, str | None]:
    feedback = card["feedback"]
    groups: pl.DataFrame = feedback["groups"]
    if feedback["cycle"] is None or groups.height == 0:
        return f'<p class="none">{_e(tr("talent_card.no_feedback"))}</p>', None
    order = sorted(groups["group"].unique().to_list(), key=lambda g: GROUP_ORDER.get(g, len(GROUP_ORDER)))
    responses = dict(groups.group_by("group").agg(pl.col("responses").max()).rows())
    wide = groups.pivot("group", index="competency", values="score").sort("competency")
    head = "".join(f'<th class="n">{_e(_group_word(g, tr))}<br><span class="src">n={responses[g]}</span></th>' for g in order)
    body = "".join(
        f"<tr><td>{_e(_competency(row['competency'], tr))}</td>"
        + "".join(f'<td class="n">{"–" if row.get(g) is None else f"{row[g]:.1f}"}</td>' for g in order) + "</tr>"
        for row in wide.to_dicts())
    note = f'<p class="src">{_e(tr("talent_card.feedback_privacy", n=RATER_GROUP_MIN))}</p>'
    source = _e(tr("talent_card.source_feedback", cycle=feedback["cycle"], run=feedback["import_run"] or "–",
                   when=_date(feedback["imported_on"])))
    return f'<table><tr><th>{_e(tr("talent_card.competency"))}</th>{head}</tr>{body}</table>{note}', source


def _group_word(group: str, tr) -> str:
    return tr("my_profile.group_others") if group == "others" else tr(f"relation.{group}")


def _competency(code: str, tr) -> str:
    known = tr(f"profile_words.competency_{code}")
    if known != f"profile_words.competency_{code}":
        return known
    return tr("talent_card.overall") if code == "overall" else code.replace("_", " ").capitalize()


def _risk_html(risk: dict | None, tr, lang: str) -> str:
    if risk is None:
        return f'<p class="none">{_e(tr("talent_card.risk_none_long"))}</p>'
    band = tr(f"talent_card.risk_{risk['risk_band']}")
    pct = "–" if risk["probability"] is None else round(100 * risk["probability"])
    reasons = flight_risk.reasons_in_words(risk.get("factors"), language=lang)  # the model's own reasons, as on the profile
    listed = "".join(f"<li>{_e(r['text'])}</li>" for r in reasons)
    return (f'<p class="band-{_e(risk["risk_band"])}"><b>{_e(tr("talent_card.risk_line", band=band, pct=pct))}</b></p>'
            + (f"<ul>{listed}</ul>" if listed else ""))


def _card_section(card: dict) -> str:
    lang = card["lang"]
    tr = _tr(lang)
    p, src = card["person"], card["sources"]
    status = "" if p["status"] == "active" else f' · {_e(tr("profile_pool.status_left"))}'
    facts = tr("talent_card.facts", level=_e(p["job_level"]), tenure=_e(p["tenure_years"]), hired=_date(p["hire_date"]),
               employee=_e(p["employee_id"])) + status
    stamp = (f'<b>{_e(tr("talent_card.title"))}</b>{_e(tr("talent_card.printed", on=_date(card["printed_at"]), by=card["printed_by"] or "–"))}'
             f'<br>{_e(tr("talent_card.confidential"))}')
    header = (f'<div class="top"><div><h1>{_e(p["name"])}</h1><p class="role">{_e(p["position"])} · {_e(p["department"])}</p>'
              f'<p class="facts">{facts}</p></div><div class="stamp">{stamp}</div></div>')

    potential = card["potential"]
    placed = card["placement"]
    calibrated = ((placed["calibrated_performance"] or placed["performance"], placed["calibrated_potential"] or placed["potential"])
                  if placed else (None, None))
    risk = card["risk"]
    member = card["pool"]
    tiles = "".join([
        _tile(tr("talent_card.latest_rating"), _e(p["latest_rating"]), _e(card["ratings"]["period"][-1]) if card["ratings"].height else ""),
        _tile(tr("talent_card.potential"), "–" if potential is None else f'{potential["score"]:.1f}',
              _e(tr("talent_card.potential_sub", pct=max(1, round(100 * (1 - potential["percentile"])))))
              if potential and potential["percentile"] is not None else _e(tr("talent_card.potential_none"))),
        _tile(tr("talent_card.nine_box"), _e(_box_name(*calibrated, lang)) if placed else "–",
              _e(tr("talent_card.box_sub", performance=_band(calibrated[0], lang), potential=_band(calibrated[1], lang))) if placed else ""),
        _tile(tr("talent_card.readiness"), _e(tr(f"readiness.{member['readiness']}")) if member and member["readiness"] else
              _e(tr("talent_card.not_in_pool")),
              _e(tr("talent_card.seats_sub", n=card["seats"].height) if card["seats"].height else tr("talent_card.seats_none"))),
        _tile(tr("talent_card.flight_risk"), _e(tr(f"talent_card.risk_{risk['risk_band']}")) if risk else "–",
              _e(tr("talent_card.risk_sub", pct=round(100 * risk["probability"]))) if risk and risk["probability"] is not None
              else _e(tr("talent_card.risk_none")), f"band-{risk['risk_band']}" if risk else ""),
    ])

    ratings_src = card["ratings_source"]
    potential_body, potential_src = _potential_html(card, tr)
    grid_body, grid_src = _nine_box_html(card, lang, tr)
    feedback_body, feedback_src = _feedback_html(card, tr)
    records_src = _e(tr("talent_card.source_records", when=_date(card["printed_at"])))
    left = "".join([
        _section(tr("talent_card.performance"), _ratings_html(card, tr),
                 _e(tr("talent_card.source_import", runs=", ".join(map(str, ratings_src["runs"])) or "–", when=_date(ratings_src["imported_on"])))
                 if card["ratings"].height else None),
        _section(tr("talent_card.potential") if potential is None else tr("talent_card.potential_title", score=f'{potential["score"]:.1f}'),
                 potential_body, potential_src),
        _section(tr("talent_card.nine_box_title"), grid_body, grid_src),
        _section(tr("talent_card.feedback"), feedback_body, feedback_src),
    ])
    right = "".join([
        _section(tr("talent_card.succession"), _succession_html(card, tr), records_src),
        _section(tr("talent_card.plan"), _plan_html(card, tr),
                 _e(tr("talent_card.source_plan", since=_date(card["plan"]["starts_on"]), when=_date(card["printed_at"])))
                 if card["plan"]["items"] else None),
        _section(tr("talent_card.reviews"), _reviews_html(card, tr), records_src if card["reviews"].height else None),
        _section(tr("talent_card.flight_risk_title"), _risk_html(risk, tr, lang),
                 _e(tr("talent_card.source_risk", version=src["risk_version"], as_of=_date(src["risk_as_of"]))) if risk else None),
    ])
    footer = (f'<footer><p>{_e(tr("talent_card.source_data", run=src["run"] or "–", imported=_date(src["imported_on"]), as_of=_date(src["as_of"])))}</p>'
              f'<p>{_e(tr("talent_card.footer_note"))}</p></footer>')
    return f'<div class="page card">{header}<div class="tiles">{tiles}</div><div class="cols"><div>{left}</div><div>{right}</div></div>{footer}</div>'


def _document(body: str, title: str, lang: str) -> str:
    css_lang = "zh" if lang.startswith("zh") else "en"
    return (f'<!DOCTYPE html>\n<html lang="{_e(lang)}"><head><meta charset="utf-8"><title>{_e(title)}</title>'
            f'<style>{CSS}</style></head><body class="{css_lang}">{body}</body></html>\n')


def card_html(data: dict, lang: str | None = None) -> str:
    """One A4 page for one person (card_data's dict), in its language."""
    data = data if lang is None or lang == data["lang"] else {**data, "lang": lang}
    return _document(_card_section(data), t("talent_card.file_title", lang=data["lang"], name=data["person"]["name"]), data["lang"])


# --- the meeting pack's first page: the calibrated grid -----------------------------------------------------
GRID_COLUMNS = ("employee_id", "name", "department", "original_performance", "original_potential",
                "calibrated_performance", "calibrated_potential")


def _grid_page(grid: pl.DataFrame, title: str, lang: str, printed_by: str | None, printed_at: datetime) -> str:
    """The calibrated grid: nine boxes with the names in each (a moved person marked), and the list of moves."""
    tr = _tr(lang)
    missing = [c for c in GRID_COLUMNS if c not in grid.columns]
    if missing:
        raise ValueError(f"the grid needs the columns {', '.join(GRID_COLUMNS)} (missing: {', '.join(missing)})")
    placed = grid.with_columns(
        pl.coalesce("calibrated_performance", "original_performance").alias("performance"),
        pl.coalesce("calibrated_potential", "original_potential").alias("potential"),
    ).with_columns(((pl.col("performance") != pl.col("original_performance")) | (pl.col("potential") != pl.col("original_potential")))
                   .fill_null(False).alias("moved"))
    several = placed["department"].n_unique() > 1  # a name's department, when the session has more than one
    rows = []
    for performance in reversed(BANDS):
        cells = []
        for potential in BANDS:
            box = people.BOXES[(performance, potential)]
            inside = placed.filter((pl.col("performance") == performance) & (pl.col("potential") == potential)).sort("name")
            names = "".join(f'<li class="{"moved" if m else ""}">{_e(n)}' + (f' <span class="src">{_e(d)}</span>' if several else "") + "</li>"
                            for n, d, m in inside.select("name", "department", "moved").rows())
            many = ' class="many"' if inside.height > 14 else ""  # a long list in two columns
            cells.append(f'<td class="m{people.BOX_MEANING[box]}"><div class="name">{_e(tr(f"nine_box.{box}"))} '
                         f'<span class="count">({inside.height})</span></div><ul{many}>{names}</ul></td>')
        rows.append(f'<tr><th class="side">{_e(_band(performance, lang))}</th>{"".join(cells)}</tr>')
    axis = "".join(f"<th>{_e(_band(p, lang))}</th>" for p in BANDS)
    moved = placed.filter(pl.col("moved")).sort("name")
    # Who moved them and why, when the frame has it (a session's grid does; the 9-box's current placements name who).
    by = next((c for c in ("moved_by", "calibrated_by") if c in placed.columns), None)
    extra = [c for c in (by, "reason") if c is not None and c in placed.columns]
    moves = "".join(f"<tr><td>{_e(r['name'])}</td><td>{_e(r['department'])}</td>"
                    f"<td>{_e(_box_name(r['original_performance'], r['original_potential'], lang))}</td>"
                    f"<td>{_e(_box_name(r['performance'], r['potential'], lang))}</td>"
                    + "".join(f"<td>{_e(_short(r[c], 120))}</td>" for c in extra) + "</tr>" for r in moved.to_dicts())
    heads = "".join(f"<th>{_e(tr('talent_card.col_reason' if c == 'reason' else 'talent_card.col_moved_by'))}</th>" for c in extra)
    moves_table = (f'<section><h2>{_e(tr("talent_card.moves_title", n=moved.height))}</h2><table class="moves"><tr><th>{_e(tr("talent_card.name"))}</th>'
                   f'<th>{_e(tr("talent_card.department"))}</th><th>{_e(tr("talent_card.original_box"))}</th>'
                   f'<th>{_e(tr("talent_card.calibrated_box"))}</th>{heads}</tr>{moves}</table></section>') if moved.height else \
        f'<p class="none">{_e(tr("talent_card.no_moves"))}</p>'
    return (f'<div class="page gridpage"><div class="top"><div><h1>{_e(title)}</h1>'
            f'<p class="facts">{_e(tr("talent_card.pack_facts", people=placed.height, moved=moved.height))}</p></div>'
            f'<div class="stamp"><b>{_e(tr("talent_card.pack_title"))}</b>{_e(tr("talent_card.printed", on=_date(printed_at), by=printed_by or "–"))}'
            f'<br>{_e(tr("talent_card.confidential"))}</div></div>'
            f'<table class="boxes">{"".join(rows)}<tr><th></th>{axis}</tr>'
            f'<tr><th class="side corner">↑ {_e(tr("talent_card.axis_performance"))}</th><th colspan="3">{_e(tr("talent_card.axis_potential"))} →</th></tr></table>'
            f'<p class="src">{_e(tr("talent_card.pack_legend"))}</p>{moves_table}</div>')


def meeting_pack_html(cur: duckdb.DuckDBPyConnection, scope: Scope, employee_ids: list[str], grid_frame: pl.DataFrame, title: str,
                      lang: str = DEFAULT_LANGUAGE, printed_by: str | None = None) -> str:
    """The pack as one HTML document: the grid page, then one card per person (a page break between)."""
    printed_at = datetime.now().replace(microsecond=0)
    cards = cards_data(cur, scope, employee_ids, lang, printed_by, printed_at)
    allowed = set(people.in_scope(cur, scope, grid_frame["employee_id"].to_list())) if grid_frame.height else set()
    grid = grid_frame.filter(pl.col("employee_id").is_in(list(allowed)))  # never a name outside the viewer's scope
    body = _grid_page(grid, title, lang, printed_by, printed_at) + "".join(_card_section(c) for c in cards)
    return _document(body, title, lang)


# --- printing ------------------------------------------------------------------------------------------------
def chromium_path() -> str | None:
    """TALENT_CHROMIUM, else chromium (or chromium-browser, google-chrome) on the PATH."""
    chosen = os.environ.get("TALENT_CHROMIUM")
    if chosen:
        return chosen if Path(chosen).exists() else None
    return next((found for name in ("chromium", "chromium-browser", "google-chrome") if (found := shutil.which(name))), None)


def render_pdf(document: str, timeout: float = RENDER_SECONDS) -> bytes:
    """The HTML printed to PDF by headless Chromium (its own print: A4 from the page's CSS, no header or footer)."""
    browser = chromium_path()
    if browser is None:
        raise ChromiumMissing(t("talent_card.chromium_missing"))
    with tempfile.TemporaryDirectory(prefix="talent-card-") as folder:
        source, target = Path(folder) / "card.html", Path(folder) / "card.pdf"
        source.write_text(document, encoding="utf-8")
        command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
                   "--disable-extensions", "--disable-dev-shm-usage", f"--user-data-dir={Path(folder) / 'profile'}",
                   "--no-pdf-header-footer", f"--print-to-pdf={target}", source.as_uri()]
        try:
            subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise RenderFailed(t("talent_card.render_timeout", seconds=int(timeout))) from exc
        if not target.exists() or target.stat().st_size == 0:
            raise RenderFailed(t("talent_card.render_failed"))
        return target.read_bytes()


def meeting_pack_pdf(cur: duckdb.DuckDBPyConnection, scope: Scope, employee_ids: list[str], grid_frame: pl.DataFrame, title: str,
                     lang: str = DEFAULT_LANGUAGE, printed_by: str | None = None) -> bytes:
    """The calibrated grid and every person's card, one PDF (one Chromium call)."""
    return render_pdf(meeting_pack_html(cur, scope, employee_ids, grid_frame, title, lang, printed_by))


# --- the downloads: who may, and the audit row -----------------------------------------------------------------
@contextlib.contextmanager
def _live_cursor() -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only cursor on the live analysis database, opened for one download (it runs outside a page's rerun)."""
    from pipelines import db
    from pipelines.settings import database_path

    con = db.connect_read_only(database_path())
    try:
        yield db.read_cursor(con)
    finally:
        con.close()


def _require_reader(user: User, lang: str) -> None:
    if not user.can("view_people"):  # an employee or a viewer never prints a card
        raise NotAllowed(t("talent_card.role_refused", lang=lang, role=user.role))


def card_file(user: User, employee_id: str, lang: str = DEFAULT_LANGUAGE, fmt: str = "pdf",
              cur: duckdb.DuckDBPyConnection | None = None) -> bytes:
    """A person's card for the signed-in user (their scope; HR all), as PDF or (fmt='html', when no Chromium) HTML,
    audited as talent_card_downloaded once made. cur None: the live analysis database."""
    _require_reader(user, lang)
    if cur is None:
        with _live_cursor() as live:
            return card_file(user, employee_id, lang, fmt, live)
    document = card_html(card_data(cur, user.scope, employee_id, lang, printed_by=user.username), lang)
    content = render_pdf(document) if fmt == "pdf" else document.encode("utf-8")
    auth.record(user, "talent_card_downloaded", employee_id, f"format={fmt}; language={lang}")
    return content


def meeting_pack_file(user: User, grid_frame: pl.DataFrame, title: str, lang: str = DEFAULT_LANGUAGE, fmt: str = "pdf",
                      cur: duckdb.DuckDBPyConnection | None = None, cards_for: list[str] | None = None) -> bytes:
    """The meeting pack of a session's people (grid_frame: GRID_COLUMNS) within the user's scope: people outside it are
    left out of the grid and get no card; nobody left refuses. cards_for: the people who get a card (None: everyone in
    the grid; a session of hundreds is printed for the people discussed). Audited as meeting_pack_downloaded."""
    _require_reader(user, lang)
    if cur is None:
        with _live_cursor() as live:
            return meeting_pack_file(user, grid_frame, title, lang, fmt, live, cards_for)
    carded = grid_frame if cards_for is None else grid_frame.filter(pl.col("employee_id").is_in(cards_for))
    ids = people.in_scope(cur, user.scope, carded["employee_id"].unique(maintain_order=True).to_list()) if carded.height else []
    if not ids:
        raise NotAllowed(t("talent_card.pack_nobody", lang=lang))
    document = meeting_pack_html(cur, user.scope, ids, grid_frame, title, lang, printed_by=user.username)
    content = render_pdf(document) if fmt == "pdf" else document.encode("utf-8")
    auth.record(user, "meeting_pack_downloaded", title[:64], f"people={len(ids)}; format={fmt}; language={lang}")
    return content
