"""Files users download: made only when the user clicks, audited as they are made, safe in a spreadsheet.

Every download button in the app is download_button() below. Its file does not exist before the click:
the button carries no file address, Streamlit calls make() when the user clicks, and make() writes the
audit row for exactly the bytes it returns. The generated file stays in Streamlit's in-memory media
store only until it is fetched: Streamlit drops files no session refers to, and forget_soon() makes
it do so within DOWNLOAD_SECONDS even if nobody else uses the app (see docs/security.md for the
remaining exposure of the /media endpoint and the reverse-proxy rule that closes it).
Streamlit's own table toolbar download is switched off ([client] disableDataExport in .streamlit/config.toml).
"""
from __future__ import annotations

import re
import threading
from collections.abc import Callable

import polars as pl

from services.safe_files import neutralise_formulas, to_csv_bytes  # noqa: F401  (the pages' CSV downloads)

DOWNLOAD_SECONDS = 60


def forget_soon(seconds: float = DOWNLOAD_SECONDS) -> None:
    """Have Streamlit drop generated files that no session refers to (a clicked download is one) after `seconds`.
    Streamlit's own cleanup runs after script runs; this covers an app nobody touches afterwards."""
    def sweep() -> None:
        try:
            from streamlit import runtime

            if runtime.exists():
                manager = runtime.get_instance().media_file_mgr
                manager.remove_orphaned_files()  # marks unreferenced downloads ...
                manager.remove_orphaned_files()  # ... and deletes them
        except Exception:  # a server shutting down
            pass

    timer = threading.Timer(seconds, sweep)
    timer.daemon = True
    timer.start()


def audited_file(make: Callable[[], bytes], audit: Callable[[int], None], size: Callable[[], int] | None = None) -> Callable[[], bytes]:
    """The callable a download button gets: makes the file, writes the audit row, schedules the file's removal."""
    def on_click() -> bytes:
        content = make()
        audit(len(content))
        forget_soon()
        return content

    return on_click


def csv_download(where, label: str, frame: pl.DataFrame, file_name: str, audit: Callable[[str, int], None], what: str | None = None,
                 **kwargs) -> None:
    """A CSV download button for `frame`: built on click, neutralised, audited as `what` (default: the file name)
    with its row count via audit(what, rows). `where` is st or a column/container."""
    def make() -> bytes:
        return to_csv_bytes(frame)

    where.download_button(label, audited_file(make, lambda _size: audit(what or file_name, frame.height)), file_name=file_name,
                          mime="text/csv", on_click="ignore", icon=kwargs.pop("icon", ":material/download:"), **kwargs)


def file_download(where, label: str, make: Callable[[], bytes], file_name: str, mime: str, **kwargs) -> None:
    """A download button for a file whose maker audits it itself (e.g. services.export.app_export)."""
    def on_click() -> bytes:
        content = make()
        forget_soon()
        return content

    where.download_button(label, on_click, file_name=file_name, mime=mime, on_click="ignore",
                          icon=kwargs.pop("icon", ":material/download:"), **kwargs)


def quarantine_csv(where, label: str, frame: pl.DataFrame, file_name: str, user, **kwargs) -> None:
    """The Data page's quarantine download, audited like every other (issue #13, item 14)."""
    from services.auth import record

    csv_download(where, label, frame, file_name, lambda what, rows: record(user, "export", what, f"{rows} rows"), **kwargs)


# --- the talent card and the meeting pack (issue #16, part 3) -------------------------------------------------------
def _file_stem(text: str) -> str:
    return re.sub(r"[^\w.-]+", "_", text or "", flags=re.UNICODE).strip("_")[:60] or "talent"


def _printable(where, label_pdf: str, label_html: str, make: Callable[[str], bytes], stem: str, help_text: str, key: str) -> None:
    """A PDF download, or, on a server without Chromium, the HTML to print from the browser (with the reason)."""
    from services.i18n import t
    from services.talent_card import chromium_path

    if chromium_path() is not None:
        file_download(where, label_pdf, lambda: make("pdf"), f"{stem}.pdf", "application/pdf", help=help_text, key=key,
                      icon=":material/picture_as_pdf:")
        return
    file_download(where, label_html, lambda: make("html"), f"{stem}.html", "text/html", help=help_text, key=f"{key}.html",
                  icon=":material/print:")
    where.caption(t("talent_card.no_pdf", reason=t("talent_card.chromium_missing")))


def talent_card_button(where, data, employee_id: str) -> None:
    """The profile's "Talent card (PDF)" download: `data` is the page's ScopedData; made and audited on click."""
    from services.i18n import current_language, t

    lang = current_language()
    _printable(where, t("talent_card.download_card"), t("talent_card.download_card_html"),
               lambda fmt: data.talent_card(employee_id, lang, fmt), f"talent-card-{_file_stem(employee_id)}",
               t("talent_card.download_card_help"), key=f"talent_card.{lang}")


def meeting_pack_button(data, session_people: pl.DataFrame, title: str, where=None, cards_for: list[str] | None = None) -> None:
    """The calibration session's "Meeting pack (PDF)" download: the calibrated grid and one card per person, one PDF.

    data: the page's ScopedData. session_people: one row per person of the session with the columns employee_id, name,
    department, original_performance, original_potential, calibrated_performance, calibrated_potential (bands low /
    medium / high; calibrated null = not moved), e.g. ScopedData.nine_box() or the session's grid. Only the people in
    the reader's departments are printed (the service checks). title: the pack's heading (the session's name).
    cards_for: the people who get a card (None: everyone)."""
    import streamlit as st
    from services.i18n import current_language, t

    lang = current_language()
    frame = session_people  # the callable keeps this rerun's frame
    _printable(where or st, t("talent_card.download_pack"), t("talent_card.download_pack_html"),
               lambda fmt: data.meeting_pack(frame, title, lang, fmt, cards_for), f"meeting-pack-{_file_stem(title)}",
               t("talent_card.download_pack_help"), key=f"meeting_pack.{lang}")
