"""Issue #16 part 3: the printable talent card and the meeting pack (services/talent_card.py) on the demo: printed by real
Chromium on A4 (one page a card, the grid first in a pack), in English and Chinese, with the person's figures and their
import date; a head prints only their own people and a refusal writes nothing; imported text stays text."""
from __future__ import annotations

import io
import unicodedata
from pathlib import Path

import polars as pl
import pytest
from pypdf import PdfReader

from services import calibration, i18n, people, talent_card, workspace
from services.audit import in_words
from services.auth import load_user
from services.permissions import NotAllowed
from pipelines import db

from .conftest import copy_app_files, rows, use_app_files

CHROMIUM = talent_card.chromium_path()
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium; .ci/run does this)")
A4 = (595.0, 842.0)  # points


@pytest.fixture
def env(demo_with_accounts: Path, tmp_path: Path, monkeypatch) -> Path:
    copy_app_files(demo_with_accounts, tmp_path)
    return use_app_files(tmp_path, monkeypatch)


def _sales_on_the_grid(database: Path, n: int) -> list[tuple]:
    """Active Sales people on the 9-box (an annual rating, below management) with 360 feedback: id, name, latest rating."""
    return rows(database, """SELECT employee_id, name, latest_rating FROM analysis_employee e JOIN potential_band USING (employee_id)
                             WHERE department = 'Sales' AND latest_annual_points IS NOT NULL AND feedback_cycle IS NOT NULL
                             ORDER BY employee_id LIMIT ?""", [n])


def _imported_on(database: Path) -> str:
    return f"{rows(database, 'SELECT max(finished_at) FROM import_runs')[0][0]:%Y-%m-%d}"


def _audit() -> list[tuple]:
    with workspace.connect() as con:
        return con.sql("SELECT username, action, target, detail FROM audit_log WHERE action IN ('talent_card_downloaded', "
                       "'meeting_pack_downloaded') ORDER BY audit_id").fetchall()


def _pdf(content: bytes) -> tuple[list[tuple[float, float]], str]:
    reader = PdfReader(io.BytesIO(content))
    sizes = [(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages]
    # NFKC: the text layer of the CJK font gives some characters as their Kangxi radical forms (⼈ for 人; NFKC maps those back,
    # not the supplement's: ⻛ for 风 stays, so the checks below avoid 风)
    return sizes, unicodedata.normalize("NFKC", "\n".join(p.extract_text() for p in reader.pages))


@needs_chromium
def test_a_card_in_chinese_is_one_a4_page_with_the_persons_figures_and_their_import_date_and_is_audited(env: Path, monkeypatch) -> None:
    hr = load_user("hr")
    employee_id, name, rating = _sales_on_the_grid(env, 1)[0]

    content = talent_card.card_file(hr, employee_id, "zh-CN")

    sizes, text = _pdf(content)
    assert sizes == [A4]
    for shown in (name, "· Sales", f"最近绩效\n{rating}", f"来源:第 1 次人事数据导入({_imported_on(env)})", "人才卡", "历年绩效",
                  "九宫格位置", "360 度评估(匿名)", "评估结果"):
        assert shown in text, shown
    assert _audit() == [("hr", "talent_card_downloaded", employee_id, "format=pdf; language=zh-CN")]
    monkeypatch.setattr(i18n, "language_source", lambda: "zh-CN")
    log = pl.DataFrame(_audit(), schema=["username", "action", "target", "detail"], orient="row").with_columns(logged_at=None)
    assert in_words(log).select("action", "detail").rows() == [("打印人才卡", "PDF，简体中文")]


@needs_chromium
def test_a_heads_meeting_pack_is_the_calibrated_grid_then_one_card_each(env: Path) -> None:
    head = load_user("head")  # Sales
    (first, first_name, _), (second, second_name, _), (third, third_name, _) = _sales_on_the_grid(env, 3)
    calibration.record(head, second, None, ("medium", "medium"), ("high", "high"), "led the <b>east</b> region")
    con = db.connect_read_only(env)
    try:
        cur = db.read_cursor(con)
        grid = (people.nine_box(cur, head.scope, None).filter(pl.col("employee_id").is_in([first, second, third]))
                .join(calibration.current(head.scope).drop("department"), on="employee_id", how="left")
                .select("employee_id", "name", "department", pl.col("performance").alias("original_performance"),
                        pl.col("potential").alias("original_potential"), "calibrated_performance", "calibrated_potential"))
    finally:
        con.close()

    # The pack's document (printed as a PDF, its A4 pages checked, in test_browser's talent-review journey: one Chromium
    # call saved here): the grid page, then one page per card.
    text = talent_card.meeting_pack_file(head, grid, "Sales talent review 2026", "en", fmt="html").decode("utf-8")

    assert text.count('class="page') == 4 and "size: A4" in text  # the grid, then three cards
    for shown in ("Sales talent review 2026", "Moved in calibration (1)", first_name, second_name, third_name):
        assert shown in text, shown
    assert text.count("9-box placement") == 3
    assert _audit() == [("head", "meeting_pack_downloaded", "Sales talent review 2026", "people=3; format=html; language=en")]


def test_a_head_prints_only_their_own_people_and_a_refusal_writes_nothing(env: Path) -> None:
    head, viewer = load_user("head"), load_user("viewer")
    other = rows(env, "SELECT employee_id, name, department FROM analysis_employee WHERE department <> 'Sales' ORDER BY employee_id LIMIT 1")[0]
    own = _sales_on_the_grid(env, 1)[0]
    grid = pl.DataFrame([{"employee_id": other[0], "name": other[1], "department": other[2], "original_performance": "high",
                          "original_potential": "high", "calibrated_performance": None, "calibrated_potential": None}])

    with pytest.raises(NotAllowed, match=other[0]):
        talent_card.card_file(head, other[0], "en")
    with pytest.raises(NotAllowed, match="Nobody in this session is in your department"):
        talent_card.meeting_pack_file(head, grid, "R&D review", "en")
    with pytest.raises(NotAllowed, match=r"Your role \(viewer\) may not print talent cards"):
        talent_card.card_file(viewer, own[0], "en")
    con = db.connect_read_only(env)
    try:
        with pytest.raises(NotAllowed):  # the service checks scope itself, whoever calls it
            talent_card.card_data(db.read_cursor(con), head.scope, other[0], "en")
    finally:
        con.close()
    assert _audit() == []


def test_the_card_and_the_grid_keep_imported_text_as_text_and_show_no_file(env: Path) -> None:
    employee_id, name, _ = _sales_on_the_grid(env, 1)[0]
    con = db.connect_read_only(env)
    try:
        data = talent_card.card_data(db.read_cursor(con), ("Sales",), employee_id, "en", printed_by="hr")
    finally:
        con.close()
    crafted = '<img src=x onerror="alert(1)">'
    data["person"] = {**data["person"], "name": crafted, "position": "<script>steal()</script>"}

    page = talent_card.card_html(data)
    pack_grid = talent_card._grid_page(pl.DataFrame([{
        "employee_id": employee_id, "name": crafted, "department": "Sales & <Co>", "original_performance": "high",
        "original_potential": "medium", "calibrated_performance": "high", "calibrated_potential": "high"}]), "<i>review</i>", "en", "hr",
        data["printed_at"])

    for html in (page, pack_grid):
        assert "<img" not in html and "<script" not in html and "<i>" not in html
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert "&lt;script&gt;steal()&lt;/script&gt;" in page and "Sales &amp; &lt;Co&gt;" in pack_grid
    assert "@page { size: A4;" in page
    assert ".csv" not in page and "/tmp" not in page and "source_file" not in page
