"""Data: did our imports load everything, and what was set aside?"""
from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from dashboard.downloads import to_csv_bytes
from dashboard.i18n import t
from dashboard.session import signed_in_user
from dashboard.state import current_db, query
from pipelines.entities import ENTITIES
from pipelines.ingest import format_summary, ingest
from pipelines.read import ImportFileError
from pipelines.db import DatabaseBusy
from pipelines.settings import available_presets

st.title(t("data.title"))
user = signed_in_user()
if not user.can("manage_data"):
    st.error(t("users.not_allowed"))
    st.stop()
st.caption(t("data.intro"))

with st.expander(t("data.upload_title"), expanded=False, icon=":material/upload:"):
    st.write(t("data.upload_help", entities=", ".join(ENTITIES)))
    with st.form("upload", clear_on_submit=True):
        files = st.file_uploader(t("data.upload_files"), type=["csv", "xlsx", "parquet"], accept_multiple_files=True)
        preset = st.selectbox(t("data.preset"), available_presets(), index=available_presets().index("canonical"))
        submitted = st.form_submit_button(t("data.import_button"), type="primary")
    if submitted and not files:
        st.warning(t("data.no_files"))
    elif submitted:
        bar = st.progress(0.0, text=t("data.importing"))
        with tempfile.TemporaryDirectory() as tmp:
            paths = []
            for f in files:
                target = Path(tmp) / Path(f.name).name  # never trust a client path
                target.write_bytes(f.getbuffer())
                paths.append(target)
            try:
                summary = ingest(paths, current_db()[0], preset=preset, run_by=user.username, command="app upload",
                                 progress=lambda fr, m: bar.progress(min(fr, 1.0), text=m))
            except (ImportFileError, DatabaseBusy, ValueError) as exc:
                bar.empty()
                st.error(t("data.import_failed", error=str(exc)))
            else:
                st.success(t("data.import_done", run_id=summary["run_id"], loaded=summary["totals"]["loaded"], quarantined=summary["totals"]["quarantined"]))
                st.code(format_summary(summary), language=None)

runs = query("import_runs")
if runs.height == 0:
    st.info(t("data.no_runs"))
    st.stop()

st.subheader(t("data.runs_title"))
st.caption(t("data.runs_definition"))
st.dataframe(
    runs.to_pandas(), hide_index=True,
    column_config={
        "run_id": t("data.col_run"), "started_at": st.column_config.DatetimeColumn(t("data.col_started"), format="YYYY-MM-DD HH:mm"),
        "finished_at": None, "run_by": t("data.col_by"), "command": t("data.col_command"), "preset": t("data.col_preset"),
        "rows_read": st.column_config.NumberColumn(t("data.col_read"), format="localized"), "rows_loaded": st.column_config.NumberColumn(t("data.col_loaded"), format="localized"),
        "rows_quarantined": st.column_config.NumberColumn(t("data.col_quarantined"), format="localized"), "exact_duplicates": st.column_config.NumberColumn(t("data.col_duplicates"), format="localized"),
    },
)

run_ids = runs["run_id"].to_list()
run_id = st.selectbox(t("data.pick_run"), run_ids, index=0)
st.subheader(t("data.files_title", run_id=run_id))
st.dataframe(
    query("import_files", run_id).to_pandas(), hide_index=True,
    column_config={
        "entity": t("data.col_entity"), "file": t("data.col_file"), "rows_read": st.column_config.NumberColumn(t("data.col_read"), format="localized"),
        "rows_loaded": st.column_config.NumberColumn(t("data.col_loaded"), format="localized"), "rows_quarantined": st.column_config.NumberColumn(t("data.col_quarantined"), format="localized"),
        "exact_duplicates": st.column_config.NumberColumn(t("data.col_duplicates"), format="localized"), "ignored_columns": t("data.col_ignored"), "sha256": t("data.col_hash"),
    },
)

st.subheader(t("data.quarantine_title"))
st.caption(t("data.quarantine_definition"))
reasons = query("quarantine_reasons", run_id)
if reasons.height == 0:
    st.success(t("data.quarantine_empty"))
    st.stop()
st.dataframe(
    reasons.to_pandas(), hide_index=True,
    column_config={"entity": t("data.col_entity"), "column_name": t("data.col_column"), "problem": t("data.col_problem"), "rows": st.column_config.NumberColumn(t("data.col_rows"), format="localized")},
)
entity = st.selectbox(t("data.pick_entity"), [None, *reasons["entity"].unique(maintain_order=True).to_list()],
                      format_func=lambda e: t("data.all_entities") if e is None else e)
rows = query("quarantine_rows", run_id, entity=entity)
st.dataframe(
    rows.to_pandas(), hide_index=True,
    column_config={"entity": t("data.col_entity"), "file": t("data.col_file"), "row_number": t("data.col_row"),
                   "column_name": t("data.col_column"), "value": t("data.col_value"), "reason": t("data.col_reason"), "raw_row": t("data.col_raw")},
)
st.download_button(t("data.download_quarantine"), to_csv_bytes(rows), file_name=f"quarantine_run{run_id}.csv", mime="text/csv", icon=":material/download:")
