"""The periodic export of a closed review cycle: a review-summary workbook (XLSX) and a self-contained HTML report.

`build_export(db_path, cycle_id, scope)` is pure apart from reading the two databases: it returns the
workbook bytes and the HTML text for the departments in `scope` (None = the whole company). The command
line (`python -m pipelines export …`) and the app's download both call it and log every export in the
workspace audit log with who, what and the files' SHA-256.

Spreadsheet safety: every text cell is written as a string (never a formula) and a text that starts with
= + - @ (or a tab / carriage return) gets a leading apostrophe, as the app's CSV downloads do, so it stays
inert even when the sheet is saved again as CSV.
"""
from __future__ import annotations

import getpass
import hashlib
import html
import io
import os
import re
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl
import polars.selectors as cs
import xlsxwriter

from . import reviews, self_assessment, workspace
from .safe_files import neutralise_formulas
from services.i18n import DEFAULT_LANGUAGE, t

from pipelines import db
from pipelines.settings import database_path

Scope = tuple[str, ...] | None
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
PERCENT_FIGURES = ("quantified_share", "plan_adjustment_rate", "promotion_rate", "avg_plan_completion")
SUMMARY_FIGURES = ("members", "assessed", "confirmed", "{outcomes}", "quantified_share", "plan_adjustment_rate", "promoted",
                   "promotion_rate", "disputes_open", "disputes_answered", "avg_plan_completion", "avg_composite")
PREVIOUS_FIGURES = ("members", "promotion_rate", "plan_adjustment_rate", "quantified_share", "avg_plan_completion", "avg_composite")
PEOPLE_COLUMNS = (
    ("employee_id", "text"), ("name", "text"), ("reviewer", "text"), ("plan_completion", "percent"), ("plan_items_done", "int"),
    ("plan_items_due", "int"), ("plan_items", "int"), ("rating_before", "text"), ("rating_after", "text"), ("rating_change", "change"),
    ("feedback_change", "change2"), ("quantitative_score", "score"), ("qualitative_score", "score"), ("composite_score", "score"),
    ("outcome", "outcome"), ("suggested_outcome", "outcome"), ("confirmed_outcome", "outcome"), ("final_outcome", "outcome"),
    ("rationale", "long"), ("strengths", "long"), ("gaps", "long"), ("comment", "long"), ("dispute_status", "dispute"),
)


# The candidates' engagement (issue #18, services.self_assessment.engagement): its own sheet and report section.
ENGAGEMENT_KINDS = {"members": "int", "profile_updated": "int", "profile_update_share": "percent", "self_assessed_on_time": "int",
                    "self_assessment_share": "percent", "disputed": "int", "dispute_share": "percent", "disputes_raised": "int",
                    "disputes_answered_count": "int", "disputes_unanswered": "int", "avg_days_to_answer": "score"}


class ExportError(Exception):
    """The export cannot run; the message is one line, fit for cron's mail and for the app."""


@dataclass(frozen=True)
class Export:
    cycle: dict
    scope: Scope
    figures: pl.DataFrame
    people: pl.DataFrame
    xlsx: bytes
    html: str
    names: dict[str, str]
    engagement: pl.DataFrame | None = None

    def files(self) -> dict[str, bytes]:
        return {self.names["xlsx"]: self.xlsx, self.names["html"]: self.html.encode("utf-8")}


# --- cycles and names ---------------------------------------------------------------------------
def _closed(cycles: pl.DataFrame) -> pl.DataFrame:
    return cycles.filter(pl.col("status") == "closed").sort("closed_at", "cycle_id", descending=True)


def closed_cycles(workspace_file: Path | None = None) -> pl.DataFrame:
    """Closed review cycles, the most recently closed first."""
    return _closed(reviews.list_cycles(workspace_file))


def resolve_cycle(cycle: str, workspace_file: Path | None = None) -> dict:
    """'latest' = the most recently closed cycle; otherwise the named cycle, which must exist and be closed."""
    cycles = reviews.list_cycles(workspace_file)
    closed = _closed(cycles)
    if cycle == "latest":
        if closed.height == 0:
            raise ExportError("no closed review cycle to export yet" + (f" (open: {', '.join(cycles['cycle_id'].to_list())})" if cycles.height else ""))
        return closed.row(0, named=True)
    found = cycles.filter(pl.col("cycle_id") == cycle)
    if found.height == 0:
        known = ", ".join(cycles["cycle_id"].to_list()) or "none yet"
        raise ExportError(f"unknown review cycle '{cycle}' (cycles: {known})")
    row = found.row(0, named=True)
    if row["status"] != "closed":
        raise ExportError(f"review cycle '{cycle}' is still open; export it when HR has closed it"
                          + (f" (closed: {', '.join(closed['cycle_id'].to_list())})" if closed.height else ""))
    return row


def _slug(text: str) -> str:
    return re.sub(r"[^\w.-]+", "_", text, flags=re.UNICODE).strip("_") or "department"


def file_names(cycle_id: str, departments: Scope = None) -> dict[str, str]:
    """review-summary-<cycle>[-<department>…].xlsx/.html"""
    suffix = "" if not departments else "-" + "-".join(_slug(d) for d in sorted(departments))
    stem = f"review-summary-{_slug(cycle_id)}{suffix}"
    return {"xlsx": f"{stem}.xlsx", "html": f"{stem}.html"}


def sheet_name(department: str, taken: set[str]) -> str:
    """A valid, unique worksheet name: at most 31 characters, none of []:*?/\\, no leading or trailing ', not 'History'."""
    base = SHEET_FORBIDDEN.sub("_", department or "-")[:31].strip("'") or "-"
    if base.lower() == "history":  # reserved by Excel
        base = f"{base}_"
    name, n = base, 2
    while name.lower() in taken:
        tail = f" ({n})"
        name, n = base[: 31 - len(tail)] + tail, n + 1
    taken.add(name.lower())
    return name


# --- building -----------------------------------------------------------------------------------
def _effective_scope(scope: Scope, department: str | None) -> Scope:
    if department is None:
        return scope
    if scope is not None and department not in scope:
        raise ExportError(f"department '{department}' is outside what you may see ({', '.join(scope)})")
    return (department,)


def build_export(db_path: Path, cycle_id: str, scope: Scope = None, department: str | None = None, workspace_file: Path | None = None,
                 generated_by: str = "cli", lang: str = DEFAULT_LANGUAGE, generated_at: datetime | None = None) -> Export:
    """The workbook and the report of a closed cycle for the departments in scope (narrowed to `department`)."""
    db_path = Path(db_path)
    if db.data_version(db_path) is None:
        raise ExportError(f"no database at {db_path}")
    workspace_file = workspace.location(workspace_file, db_path=db_path)
    if not workspace.exists(workspace_file):
        raise ExportError(f"no workspace at {workspace.describe(workspace_file)}: no review cycle has been run yet")
    cycle = resolve_cycle(cycle_id, workspace_file)
    effective = _effective_scope(scope, department)
    con = db.connect_read_only(db_path)
    try:
        cur = db.read_cursor(con)
        people = reviews.cycle_people(cur, effective, cycle["cycle_id"], workspace_file)
        if department is not None and people.height == 0:
            every = reviews.cycle_people(cur, scope, cycle["cycle_id"], workspace_file)["department"].unique().sort().to_list()
            raise ExportError(f"department '{department}' has no members in review cycle {cycle['cycle_id']}"
                              f" (departments: {', '.join(every) or 'none'})")
        figures = reviews.cycle_figures(cur, effective, cycle["cycle_id"], workspace_file)
        engagement = self_assessment.engagement(cur, effective, cycle["cycle_id"], workspace_file)
    finally:
        con.close()
    stamp = generated_at or datetime.now().replace(microsecond=0)
    meta = {**cycle, "generated_at": stamp, "generated_by": generated_by,
            "scope": t("export.scope_all", lang=lang) if effective is None else ", ".join(effective)}
    names = file_names(cycle["cycle_id"], (department,) if department else effective)
    return Export(cycle=meta, scope=effective, figures=figures, people=people, xlsx=workbook(meta, figures, people, lang, engagement),
                  html=report(meta, figures, people, lang, engagement), names=names, engagement=engagement)


def _outcome_label(code: str | None, lang: str) -> str | None:
    return None if code is None else t(f"export.outcome_{code}", lang=lang)


def _summary_columns(kind: str) -> list[str]:
    out: list[str] = []
    for figure in SUMMARY_FIGURES:
        out.extend(f"outcome_{o}" for o in reviews.OUTCOMES[kind]) if figure == "{outcomes}" else out.append(figure)
    return out + [f"prev_{f}" for f in PREVIOUS_FIGURES]


def _summary_frame(meta: dict, figures: pl.DataFrame, lang: str) -> pl.DataFrame:
    columns = [c for c in _summary_columns(meta["kind"]) if c in figures.columns]
    ordered = figures.with_columns(pl.col("department").is_null().alias("_total")).sort("_total", "department")
    return ordered.select(pl.col("department").fill_null(t("export.all_departments", lang=lang)), *columns)


def _engagement_frame(engagement: pl.DataFrame, lang: str) -> tuple[pl.DataFrame, list[str]]:
    """One row per department and the whole scope last; its headers in `lang`."""
    ordered = engagement.with_columns(pl.col("department").is_null().alias("_total")).sort("_total", "department")
    frame = ordered.select(pl.col("department").fill_null(t("export.all_departments", lang=lang)), *ENGAGEMENT_KINDS)
    return frame, [t("export.col_department", lang=lang)] + [t(f"export_engagement.fig_{c}", lang=lang) for c in ENGAGEMENT_KINDS]


def _people_frame(people: pl.DataFrame, lang: str) -> pl.DataFrame:
    labels = {c: t(f"export.outcome_{c}", lang=lang) for c in reviews.ALL_OUTCOMES}
    disputes = {s: t(f"export.dispute_{s}", lang=lang) for s in ("none", "open", "answered")}
    frame = people.select([name for name, _ in PEOPLE_COLUMNS if name in people.columns] + ["department"])
    return frame.with_columns(
        *(pl.col(name).replace_strict(labels, default=pl.col(name)) for name, kind in PEOPLE_COLUMNS if kind == "outcome" and name in frame.columns),
        pl.col("dispute_status").replace_strict(disputes, default=pl.col("dispute_status")),
    )


NUMBER_FORMATS = {"int": "#,##0", "percent": "0%", "score": "0.0", "change": "+0;-0;0", "change2": "+0.00;-0.00;0.00"}
TEXT_KINDS = ("text", "long", "outcome", "dispute")
HEADER_FORMAT = {"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F5A96", "text_wrap": True, "valign": "top", "border": 1}


def _display_width(frame: pl.DataFrame, column: str) -> int:
    """Characters a column needs (CJK characters count twice), from its text form.
    (xlsxwriter's autofit counts a CJK character as one Latin one, which cuts Chinese columns short.)"""
    text = frame.get_column(column).cast(pl.String)
    width = (text.str.len_chars() + (text.str.len_bytes() - text.str.len_chars()) // 2).max()
    return int(width or 0)


def _column_width(frame: pl.DataFrame, column: str, header: str, kind: str) -> int:
    """Pixels: text columns fit their longest value (long texts wrap beyond 60 characters); numbers stay narrow and
    their headers wrap at 18."""
    header_width = min(len(header) + (len(header.encode("utf-8")) - len(header)) // 2, 18)
    content_width = _display_width(frame, column) if kind in TEXT_KINDS else 7
    characters = min(max(header_width + 2, content_width + 2, 8), 60 if kind == "long" else 40)
    return characters * 7 + 5  # Excel's default font: 7 pixels a character plus 5 of padding


def _write_table(book: xlsxwriter.Workbook, name: str, frame: pl.DataFrame, headers: list[str], kinds: dict[str, str]) -> None:
    """One Excel table per sheet (header row frozen, filters on), text written as text, never as a formula."""
    frame = neutralise_formulas(frame).with_columns(cs.float().fill_nan(None))
    kind = {header: kinds.get(column, "text") for column, header in zip(frame.columns, headers)}
    widths = {header: _column_width(frame, column, header, kinds.get(column, "text")) for column, header in zip(frame.columns, headers)}
    frame.rename(dict(zip(frame.columns, headers))).write_excel(
        book, name,  # our workbook: strings_to_formulas=False, so a text starting with = stays text
        table_style={"style": "Table Style Light 1", "banded_rows": False},
        header_format=HEADER_FORMAT,
        column_formats={h: {"num_format": NUMBER_FORMATS[k], "valign": "top"} if k in NUMBER_FORMATS
                        else {"valign": "top", "text_wrap": k == "long"} for h, k in kind.items()},
        column_widths=widths, row_heights={0: 43}, freeze_panes=(1, 0),
    )
    sheet = book.get_worksheet_by_name(name)
    sheet.set_landscape()  # printed: landscape, one page wide, the header on every page
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)


def workbook(meta: dict, figures: pl.DataFrame, people: pl.DataFrame, lang: str = DEFAULT_LANGUAGE,
             engagement: pl.DataFrame | None = None) -> bytes:
    """Summary sheet with the cycle's figures (one row per department and one for all), the candidates' engagement
    sheet, one sheet per department with each member's scores, outcome, recommendation and plan completion, and an
    About sheet."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                        "strings_to_numbers": False, "remove_timezone": True})
    book.set_properties({"title": t("export.title", lang=lang, cycle=meta["cycle_id"]), "author": "Talent Pipeline",
                         "comments": f"{meta['generated_by']} {meta['generated_at']:%Y-%m-%d %H:%M}"})
    summary = _summary_frame(meta, figures, lang)
    kinds = {c: "percent" if c.removeprefix("prev_") in PERCENT_FIGURES else ("score" if c.endswith("avg_composite") else "int")
             for c in summary.columns if c != "department"}
    headers = [t("export.col_department", lang=lang)] + [_figure_header(c, lang) for c in summary.columns[1:]]
    taken: set[str] = set()
    _write_table(book, sheet_name(t("export.summary_sheet", lang=lang), taken), summary, headers, kinds)
    if engagement is not None:
        frame, headers = _engagement_frame(engagement, lang)
        _write_table(book, sheet_name(t("export_engagement.sheet", lang=lang), taken), frame, headers, ENGAGEMENT_KINDS)

    shown = _people_frame(people, lang)
    kinds = dict(PEOPLE_COLUMNS)
    for department in shown["department"].unique().sort().to_list():
        part = shown.filter(pl.col("department") == department).drop("department")
        _write_table(book, sheet_name(department, taken), part, [t(f"export.col_{c}", lang=lang) for c in part.columns], kinds)

    about = pl.DataFrame({
        "item": [t(f"export.about_{k}", lang=lang) for k in ("cycle", "kind", "opened", "closed", "scope", "generated", "generated_by", "previous")],
        "value": [meta["cycle_id"], t(f"export.kind_{meta['kind']}", lang=lang), f"{meta['opened_at']:%Y-%m-%d}",
                  f"{meta['closed_at']:%Y-%m-%d}" if meta.get("closed_at") else "", meta["scope"],
                  f"{meta['generated_at']:%Y-%m-%d %H:%M}", meta["generated_by"],
                  figures["previous_cycle"][0] if "previous_cycle" in figures.columns and figures.height and figures["previous_cycle"][0] else "–"],
    })
    definitions = pl.DataFrame({"item": [_figure_header(c, lang) for c in ("quantified_share", "plan_adjustment_rate", "promotion_rate", "avg_plan_completion", "avg_composite")],
                                "value": [t(f"export.define_{c}", lang=lang) for c in ("quantified_share", "plan_adjustment_rate", "promotion_rate", "avg_plan_completion", "avg_composite")]})
    _write_table(book, sheet_name(t("export.about_sheet", lang=lang), taken), pl.concat([about, definitions]),
                 [t("export.col_item", lang=lang), t("export.col_value", lang=lang)], {"value": "long"})
    book.close()
    return buffer.getvalue()


def _figure_header(column: str, lang: str) -> str:
    if column.startswith("prev_"):
        return t("export.previous", lang=lang, figure=_figure_header(column.removeprefix("prev_"), lang))
    if column.startswith("outcome_"):
        return t("export.outcome_count", lang=lang, outcome=t(f"export.outcome_{column.removeprefix('outcome_')}", lang=lang))
    return t(f"export.fig_{column}", lang=lang)


# --- the HTML report ------------------------------------------------------------------------------
CSS = """
body { font-family: Inter, 'Noto Sans CJK SC', 'Microsoft YaHei', Arial, sans-serif; color: #1b2733; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; }
h1 { color: #1F5A96; font-size: 1.6rem; margin-bottom: .2rem; } h2 { color: #1F5A96; font-size: 1.25rem; margin-top: 2rem; border-bottom: 2px solid #1F5A96; }
p.meta { color: #5b6b7b; margin-top: 0; } p.definition { color: #5b6b7b; font-size: .85rem; }
table { border-collapse: collapse; width: 100%; font-size: .8rem; margin: .5rem 0 1rem; }
th { background: #1F5A96; color: #fff; text-align: left; padding: 4px 6px; vertical-align: bottom; }
td { border-bottom: 1px solid #dde3ea; padding: 3px 6px; vertical-align: top; } td.num { text-align: right; white-space: nowrap; }
tr.total td { font-weight: 600; border-top: 2px solid #1F5A96; }
.chart { page-break-inside: avoid; break-inside: avoid; max-width: 1000px; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; } .department { page-break-before: always; break-before: page; }
  thead { display: table-header-group; } tr { page-break-inside: avoid; break-inside: avoid; } .modebar { display: none !important; }
  /* A4 landscape holds every column: small type, tight cells; a name or an outcome (Chinese too) is never cut one
     character per line (keep-all breaks Chinese text only at punctuation and spaces), numbers never wrap. */
  table { font-size: 6.5pt; } th, td { padding: 2px 3px; } td { word-break: keep-all; overflow-wrap: break-word; }
  th { overflow-wrap: anywhere; } td.num, section.department td:nth-child(2) { white-space: nowrap; }  /* 2nd: the name */
}
@page { size: A4 landscape; margin: 12mm; }
"""


def _cell(value, kind: str) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return '<td class="num">–</td>' if kind != "text" and kind != "long" else "<td></td>"
    if kind == "percent":
        return f'<td class="num">{value:.0%}</td>'
    if kind == "score":
        return f'<td class="num">{value:.1f}</td>'
    if kind == "change":
        return f'<td class="num">{value:+.0f}</td>'
    if kind == "change2":
        return f'<td class="num">{value:+.2f}</td>'
    if kind == "int":
        return f'<td class="num">{value:,}</td>' if isinstance(value, int) else f'<td class="num">{value:,.0f}</td>'
    return f"<td>{html.escape(str(value))}</td>"


def _table(frame: pl.DataFrame, headers: list[str], kinds: dict[str, str], total_last: bool = False) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    rows = []
    for i, row in enumerate(frame.iter_rows()):
        css = ' class="total"' if total_last and i == frame.height - 1 else ""
        rows.append(f"<tr{css}>" + "".join(_cell(v, kinds.get(c, "text")) for c, v in zip(frame.columns, row)) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _charts(meta: dict, people: pl.DataFrame, lang: str) -> list[tuple[str, str, object]]:
    import plotly.express as px

    from services import theme
    if people.height == 0:
        return []
    outcomes = reviews.OUTCOMES[meta["kind"]]
    labels = {o: t(f"export.outcome_{o}", lang=lang) for o in outcomes}
    # Department names go into the chart escaped, so a crafted name cannot become markup in the report.
    frame = people.with_columns(pl.col("department").fill_null("").str.replace_all("&", "&amp;", literal=True)
                                .str.replace_all("<", "&lt;", literal=True).str.replace_all(">", "&gt;", literal=True)
                                .str.replace_all('"', "&quot;", literal=True).alias("dept"))
    counts = (frame.filter(pl.col("final_outcome").is_in(list(outcomes)))
              .group_by("dept", "final_outcome").agg(pl.len().alias("people"))
              .with_columns(pl.col("final_outcome").replace_strict(labels).alias("outcome")))
    charts = []
    if counts.height:
        fig = px.bar(counts.sort("dept"), x="dept", y="people", color="outcome", template=theme.TEMPLATE,
                     color_discrete_sequence=theme.SEQUENCE, category_orders={"outcome": list(labels.values())},
                     labels={"dept": t("export.col_department", lang=lang), "people": t("export.axis_people", lang=lang), "outcome": ""})
        fig.update_layout(barmode="stack", height=360, legend_title_text=None)
        charts.append((t("export.chart_outcomes", lang=lang), t("export.chart_outcomes_definition", lang=lang), fig))
    scored = frame.filter(pl.col("composite_score").is_not_null())
    if scored.height:
        fig = px.box(scored.sort("dept"), x="dept", y="composite_score", points="all", template=theme.TEMPLATE,
                     color_discrete_sequence=[theme.PRIMARY],
                     labels={"dept": t("export.col_department", lang=lang), "composite_score": t("export.axis_composite", lang=lang)})
        fig.update_layout(height=360, yaxis_range=[0, 100])
        charts.append((t("export.chart_composite", lang=lang), t("export.chart_composite_definition", lang=lang), fig))
    planned = frame.filter(pl.col("plan_completion").is_not_null())
    if planned.height:
        average = planned.group_by("dept").agg(pl.col("plan_completion").mean(), pl.len().alias("people")).sort("dept")
        fig = px.bar(average, x="dept", y="plan_completion", template=theme.TEMPLATE, color_discrete_sequence=[theme.ACCENT],
                     custom_data=["people"], labels={"dept": t("export.col_department", lang=lang), "plan_completion": t("export.axis_plan_completion", lang=lang)})
        fig.update_layout(height=320, yaxis_tickformat=".0%", yaxis_range=[0, 1])
        charts.append((t("export.chart_plan", lang=lang), t("export.chart_plan_definition", lang=lang), fig))
    return charts


def report(meta: dict, figures: pl.DataFrame, people: pl.DataFrame, lang: str = DEFAULT_LANGUAGE, engagement: pl.DataFrame | None = None) -> str:
    """One HTML file with the figures, the charts (plotly.js inlined once: works offline) and one table per department."""
    import plotly.io as pio

    e = html.escape
    title = t("export.title", lang=lang, cycle=meta["cycle_id"])
    summary = _summary_frame(meta, figures, lang)
    kinds = {c: "percent" if c.removeprefix("prev_") in PERCENT_FIGURES else ("score" if c.endswith("avg_composite") else "int")
             for c in summary.columns if c != "department"}
    closed = f"{meta['closed_at']:%Y-%m-%d}" if meta.get("closed_at") else "–"
    subtitle = t("export.report_meta", lang=lang, kind=t("export.kind_" + meta["kind"], lang=lang), scope=meta["scope"],
                 opened=f"{meta['opened_at']:%Y-%m-%d}", closed=closed, generated=f"{meta['generated_at']:%Y-%m-%d %H:%M}",
                 by=meta["generated_by"])
    parts = [
        f"<h1>{e(title)}</h1>",
        f'<p class="meta">{e(subtitle)}</p>',
        "<h2>" + e(t("export.summary_sheet", lang=lang)) + "</h2>",
        _table(summary, [t("export.col_department", lang=lang)] + [_figure_header(c, lang) for c in summary.columns[1:]], kinds, total_last=True),
        '<p class="definition">' + " ".join(e(t(f"export.define_{c}", lang=lang)) for c in ("quantified_share", "plan_adjustment_rate", "promotion_rate", "avg_plan_completion")) + "</p>",
    ]
    if engagement is not None:
        frame, headers = _engagement_frame(engagement, lang)
        parts += ["<h2>" + e(t("export_engagement.title", lang=lang)) + "</h2>", _table(frame, headers, ENGAGEMENT_KINDS, total_last=True),
                  '<p class="definition">' + e(t("export_engagement.definition", lang=lang)) + "</p>"]
    first = True
    for heading, definition, fig in _charts(meta, people, lang):
        chart = pio.to_html(fig, include_plotlyjs=first, full_html=False, config={"displaylogo": False, "responsive": True})
        first = False
        parts.append(f'<div class="chart"><h2>{e(heading)}</h2><p class="definition">{e(definition)}</p>{chart}</div>')
    shown = _people_frame(people, lang)
    kinds = dict(PEOPLE_COLUMNS)
    for department in shown["department"].unique().sort().to_list():
        part = shown.filter(pl.col("department") == department).drop("department")
        parts.append(f'<section class="department"><h2>{e(department)}</h2>'
                     + _table(part, [t(f"export.col_{c}", lang=lang) for c in part.columns], kinds) + "</section>")
    if shown.height == 0:
        parts.append("<p>" + e(t("export.no_members", lang=lang)) + "</p>")
    return (f'<!DOCTYPE html>\n<html lang="{e(lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{e(title)}</title><style>{CSS}</style></head><body>{''.join(parts)}</body></html>\n")


# --- logging, the app's download and the command line -------------------------------------------------
def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@workspace.writes("review_export")
def log_export(username: str, result: Export, files: dict[str, bytes], workspace_file: Path | None = None) -> None:
    """One audit row per export: who, which cycle and departments, and each file's SHA-256 (when = logged_at)."""
    detail = (f"cycle={result.cycle['cycle_id']}; departments={'all' if result.scope is None else ','.join(result.scope)}; "
              + "; ".join(f"{name} sha256={sha256(content)}" for name, content in files.items()))
    with workspace.write(username, "review_export", result.cycle["cycle_id"], detail, workspace_file):
        pass


def app_export(user, cycle_id: str, fmt: str, lang: str = DEFAULT_LANGUAGE) -> bytes:
    """The app's download: the same export, limited to the user's departments, logged under their name."""
    if not user.can("view_people"):
        raise ExportError(f"your role ({user.role}) may not export review results")
    path = database_path()
    result = build_export(path, cycle_id, scope=user.scope, workspace_file=workspace.location(), generated_by=user.username, lang=lang)
    content = result.xlsx if fmt == "xlsx" else result.html.encode("utf-8")
    log_export(user.username, result, {result.names[fmt]: content}, workspace.location())
    return content


def cli_user() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name in a bare cron environment
        return "cli"


def _write_atomically(path: Path, content: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(content)
    os.replace(tmp, path)


def run(cycle: str | None, department: str | None, out: str, db_arg: str | None, list_only: bool) -> int:
    """The command line: exit 0 when written (or listed), 2 with a one-line message on stderr otherwise."""
    try:
        path = database_path(db_arg)
        if db.data_version(path) is None:
            raise ExportError(f"no database at {path}")
        ws = workspace.location(db_path=path)
        if list_only:
            cycles = reviews.list_cycles(ws) if workspace.exists(ws) else pl.DataFrame()
            if cycles.height == 0:
                print("no review cycles yet")
                return 0
            for row in cycles.sort("opened_at", descending=True).iter_rows(named=True):
                closed = f"closed {row['closed_at']:%Y-%m-%d}" if row["closed_at"] else "open"
                print(f"{row['cycle_id']:<18} {row['status']:<7} opened {row['opened_at']:%Y-%m-%d}  {closed:<17} {row['members']:>6,} members")
            return 0
        if not cycle:
            raise ExportError("say which cycle: --cycle CYCLE or --cycle latest (--list-cycles lists them)")
        result = build_export(path, cycle, department=department, workspace_file=ws, generated_by=cli_user())
        target = Path(out)
        target.mkdir(parents=True, exist_ok=True)
        files = result.files()
        for name, content in files.items():
            _write_atomically(target / name, content)
        log_export(cli_user(), result, files, ws)
    except (ExportError, reviews.UnknownCycle, OSError, duckdb.Error) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    members = result.people.height
    for name, content in files.items():
        print(f"wrote {target / name} ({len(content):,} bytes, sha256 {sha256(content)})")
    print(f"review cycle {result.cycle['cycle_id']}: {members:,} members in {result.people['department'].n_unique() if members else 0} department(s)")
    return 0
