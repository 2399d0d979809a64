"""Data: did our imports load everything, and what was set aside? Also: map a new export without code."""
from __future__ import annotations

import json
import re
import shutil
import tempfile
from datetime import date
from pathlib import Path

import polars as pl
import streamlit as st

from dashboard.access import ScopedData
from dashboard.downloads import quarantine_csv
from services.i18n import t
from dashboard.plain import md
from dashboard.session import signed_in_user
from dashboard.state import current_db, query
from services import imports
from services import mappings as mb
from services.config import settings as load_settings
from services.imports import IMPORT_ERRORS, format_summary
from services.mappings import ENTITIES, NONE, Choice, ImportFileError, available_presets

st.title(t("data.title"))
user = signed_in_user()
if not user.can("manage_data"):
    st.error(t("users.not_allowed"))
    st.stop()
st.caption(t("data.intro"))
db_path = current_db()[0]
MISSING_VALUE = "__missing__"


def plain(text: object) -> str:
    """Text from a file or the import shown in a Markdown element as it is (no links, images or formatting)."""
    return md(text)


def column_label(entity: str, column: str) -> str:
    return t(f"mapping.col.{entity}.{column}")


def value_label(entity: str, column: str, value: str) -> str:
    if value == MISSING_VALUE:
        return t("mapping.value_missing")
    if ENTITIES[entity].column(column).kind == "rating":
        return value
    return t(f"mapping.value.{value}")


MANAGER_LINKS = re.compile(r"^([\d,]+) manager links point to no employee \(e\.g\. (.*?)\)")


def show_summary_notes(summary: dict, counts: bool = True) -> None:
    """The import's headline (counts and the commonest problems) and its warnings, in the reader's language."""
    totals = summary.get("totals") or {}
    if counts and "read" in totals:
        text = t("mapping.run_counts", loaded=f"{totals['loaded']:,}", read=f"{totals['read']:,}",
                 quarantined=f"{totals['quarantined']:,}", duplicates=f"{totals.get('exact_duplicates', 0):,}")
        if summary.get("top_reasons"):
            text += " " + t("mapping.top_reasons", reasons=plain("; ".join(summary["top_reasons"])))
        st.info(text, icon=":material/summarize:")
    elif counts and summary.get("headline"):
        st.info(plain(summary["headline"]), icon=":material/summarize:")
    elif summary.get("top_reasons"):
        st.info(t("mapping.top_reasons", reasons=plain("; ".join(summary["top_reasons"]))), icon=":material/summarize:")
    older = (summary.get("self_service") or {}).get("imported_not_applied", 0)
    if older:  # imported profile values an employee's newer entry outdated (issue #18)
        st.info(t("self_service_data.import_result", n=f"{older:,}"), icon=":material/person_check:")
    for warning in summary.get("warnings") or []:
        found = MANAGER_LINKS.match(warning)
        st.warning(t("mapping.warning_manager_links", count=found[1], examples=plain(found[2])) if found else plain(warning),
                   icon=":material/warning:")


def run_import(paths: list[Path], preset: str, command: str, as_of: date | None = None,
               new_admin: imports.NewAdmin | None = None) -> dict | None:
    """Import through the pipeline with a progress bar; shows the outcome, returns the summary (None when refused)."""
    bar = st.progress(0.0, text=t("data.importing"))
    try:
        # In a child process with a memory cap (one file cannot take the app down), then re-scored and audited.
        summary = imports.import_files(user, paths, db_path, preset=preset, command=command, as_of=as_of, isolated=True, new_admin=new_admin,
                                       progress=lambda fraction, _message: bar.progress(min(fraction, 1.0), text=t("data.importing")))
    except IMPORT_ERRORS as exc:
        bar.empty()
        st.error(t("data.import_failed", error=plain(exc)))
        return None
    bar.empty()
    if summary.get("model_warning"):
        st.warning(plain(summary["model_warning"]), icon=":material/warning:")
    return summary


# --- Import files with a mapping (a preset or one saved from the mapping screen) ----------------------------
saved_names = mb.saved_mapping_names(db_path)
presets = available_presets()
# In the demo, an import of real files switches the demo accounts off for good (services.imports): say so before, and
# let a demo account's user create the HR admin account they will sign in with afterwards, in the same form.
demo_accounts = imports.demo_accounts_switched_off(db_path)
with st.expander(t("data.upload_title"), expanded=bool(demo_accounts), icon=":material/upload:"):
    st.write(t("data.upload_help", entities=", ".join(ENTITIES)))
    if demo_accounts:
        st.warning(t("data.leave_demo", accounts=", ".join(demo_accounts))
                   + " " + t("data.leave_demo_yours" if user.is_demo else "data.leave_demo_not_yours"), icon=":material/warning:")
    with st.form("upload", clear_on_submit=not demo_accounts):  # leaving the demo: a refusal keeps what was typed
        files = st.file_uploader(t("data.upload_files"), type=["csv", "xlsx", "parquet"], accept_multiple_files=True)
        choices_of_mapping = presets + [n for n in saved_names if n not in presets]
        preset = st.selectbox(t("data.preset"), choices_of_mapping, index=choices_of_mapping.index("canonical"),
                              format_func=lambda n: n if n in presets else t("mapping.saved_option", name=n))
        new_admin = confirmed = None
        if demo_accounts:
            if user.is_demo:
                st.markdown(f"**{t('data.new_admin_title')}**")
                left, middle = st.columns(2)
                admin_name = left.text_input(t("data.new_admin_username"), max_chars=64)
                admin_display = middle.text_input(t("data.new_admin_name"), max_chars=64)
                admin_password = left.text_input(t("security.new_password"), type="password", help=t("users.password_help"))
                admin_again = middle.text_input(t("security.new_password_again"), type="password")
            confirmed = st.checkbox(t("data.leave_demo_confirm"))
        submitted = st.form_submit_button(t("data.import_button"), type="primary")
    problem = None
    if submitted and demo_accounts:
        if user.is_demo and not admin_name.strip():
            problem = t("data.new_admin_needed")
        elif user.is_demo and admin_password != admin_again:
            problem = t("security.passwords_differ")
        elif not confirmed:
            problem = t("data.leave_demo_unconfirmed")
        elif user.is_demo:
            new_admin = imports.NewAdmin(admin_name.strip(), admin_display, admin_password)
    if submitted and not files:
        st.warning(t("data.no_files"))
    elif problem:
        st.error(problem)
    elif submitted:
        with tempfile.TemporaryDirectory() as tmp:
            paths = []
            for f in files:
                target = Path(tmp) / Path(f.name).name  # never trust a client path
                target.write_bytes(f.getbuffer())
                paths.append(target)
            summary = run_import(paths, preset, "app upload", new_admin=new_admin)
        if summary:
            st.success(t("data.import_done", run_id=summary["run_id"], loaded=summary["totals"]["loaded"], quarantined=summary["totals"]["quarantined"]))
            if new_admin is not None:
                st.info(t("data.new_admin_ready", username=plain(new_admin.username)), icon=":material/login:")
            show_summary_notes(summary)
            st.code(format_summary(summary), language=None)


# --- The mapping screen ------------------------------------------------------------------------------------
def stored_upload(upload) -> Path:
    """The uploaded file on disk under its own name (the saved mapping recognises files by name), one per session."""
    folder = st.session_state.get("mapping_folder")
    if not folder or not Path(folder).is_dir():
        folder = tempfile.mkdtemp(prefix="talent-mapping-")
        st.session_state.mapping_folder = folder
    target = Path(folder) / upload.file_id / Path(upload.name).name  # never trust a client path
    if not target.exists():
        for old in Path(folder).iterdir():  # one upload at a time
            shutil.rmtree(old, ignore_errors=True)
        target.parent.mkdir(parents=True)
        target.write_bytes(upload.getbuffer())
    return target


def source_frame(upload, path: Path) -> pl.DataFrame:
    cached = st.session_state.get("mapping_frame")
    if cached and cached[0] == upload.file_id:
        return cached[1]
    frame = mb.read_export(path)
    st.session_state.mapping_frame = (upload.file_id, frame)
    return frame


def option_text(code: str) -> str:
    kind, _, rest = code.partition(":")
    if kind == "col":
        return t("mapping.source", column=rest)
    if kind == "derive":
        return t(f"mapping.how_{rest}")
    return t("mapping.default") if kind == "default" else t("mapping.none")


def suggestion_code(choice: Choice) -> str:
    return {"column": f"col:{choice.source}", "default": "default", "derive": f"derive:{choice.how}"}.get(choice.kind, "none")


def choice_from_state(key: str, suggestion: Choice) -> Choice:
    """The choice a column's widgets hold in this session (the suggestion before they were touched)."""
    kind, _, rest = str(st.session_state.get(key, suggestion_code(suggestion))).partition(":")
    if kind == "col":
        return Choice("column", rest)
    if kind == "default":
        return Choice("default", value=str(st.session_state.get(key + ".value") or "").strip() or None)
    if kind == "derive":
        start = suggestion.source if suggestion.kind == "derive" else None
        plus = st.session_state.get(key + ".plus", suggestion.value or 1) if rest == "plus" else None
        return Choice("derive", st.session_state.get(key + ".from", start), how=rest, value=None if plus is None else str(plus))
    return NONE


def column_widget(entity: str, column: str, headers: list[str], suggestion: Choice, key: str, resolved: bool) -> Choice:
    """One target column: its source (a column, a value for every row, a derivation), with what that needs."""
    spec = ENTITIES[entity].column(column)
    codes = [suggestion_code(o) for o in mb.options_for(entity, column, headers)]
    suggested = suggestion_code(suggestion)
    label = column_label(entity, column)
    if spec.required:
        label = t("mapping.required_mark", label=label)
    why = {"header": t("mapping.suggested_header"), "content": t("mapping.suggested_content"),
           "derived_header": t("mapping.suggested_derived")}.get(suggestion.reason)
    code = st.selectbox(label if resolved else f":red[{label}]", codes,
                        index=codes.index(suggested) if suggested in codes else 0, format_func=option_text, key=key, help=why)
    kind, _, rest = code.partition(":")
    if kind == "col":
        return Choice("column", rest, reason="user")
    if kind == "default":
        if spec.kind in mb.ENUM_KINDS:
            values = mb.canonical_values(entity, column, load_settings().grades)
            value = st.selectbox(t("mapping.default_value"), values, index=None, format_func=lambda v: value_label(entity, column, v),
                                 key=key + ".value")
        else:
            value = st.text_input(t("mapping.default_value"), key=key + ".value").strip()
        return Choice("default", value=value or None)
    if kind == "derive":
        sources = list(headers)
        if suggestion.kind == "derive" and suggestion.source and suggestion.source not in sources:
            sources.insert(0, suggestion.source)  # e.g. the level after = our own "level before" plus one
        start = sources.index(suggestion.source) if suggestion.kind == "derive" and suggestion.source in sources else None
        source = st.selectbox(t("mapping.derive_from"), sources, index=start, key=key + ".from",
                              format_func=lambda s: column_label(entity, s) if s in ENTITIES[entity].column_names and s not in headers else s)
        value = None
        if rest == "plus":
            value = str(st.number_input(t("mapping.plus_value"), value=int(suggestion.value or 1), step=1, key=key + ".plus"))
        return Choice("derive", source, how=rest, value=value)
    return NONE


def describe(entity: str, column: str, choice: Choice, as_of: date) -> str | None:
    """What the mapping fills a column with, in plain words (defaults and derivations only)."""
    if choice.kind == "default":
        text = t("mapping.desc_default", value=value_label(entity, column, choice.value)
                 if ENTITIES[entity].column(column).kind in mb.ENUM_KINDS else choice.value)
    elif choice.kind == "derive":
        source = column_label(entity, choice.source) if choice.source in ENTITIES[entity].column_names else choice.source
        text = t(f"mapping.desc_{choice.how}", source=source, value=choice.value, reference=f"{as_of:%Y-%m-%d}")
    else:
        return None
    return f"{column_label(entity, column)}: {text}"


def mapping_screen() -> None:
    st.write(t("mapping.intro"))
    upload = st.file_uploader(t("mapping.file"), type=["csv", "xlsx", "parquet"], key="mapping_upload")
    if upload is None:
        st.info(t("mapping.empty"), icon=":material/info:")
        return
    path = stored_upload(upload)
    try:
        frame = source_frame(upload, path)
    except ImportFileError as exc:
        st.error(t("mapping.unreadable", error=plain(exc)))
        return
    headers = list(frame.columns)
    token = upload.file_id
    st.caption(t("mapping.file_summary", rows=f"{frame.height:,}", columns=len(headers), file=plain(upload.name)))
    settings = load_settings()
    base = mb.base_mapping()

    st.subheader(t("mapping.step_entity"))
    names = list(ENTITIES)
    guessed = mb.guess_entity(upload.name, headers)
    entity = st.selectbox(t("mapping.entity"), names, index=names.index(guessed), key=f"mapping.{token}.entity",
                          format_func=lambda e: t(f"mapping.entity_name.{e}"), help=t("mapping.entity_help"), width=420)

    st.subheader(t("mapping.step_columns"))
    st.caption(t("mapping.columns_help"))
    cache_key = (token, entity)
    if st.session_state.get("mapping_suggestions", (None,))[0] != cache_key:
        known = query("import_details.employee_ids") if entity != "employees" else frozenset()
        st.session_state.mapping_suggestions = (cache_key, mb.suggest_columns(entity, frame, known, settings.grades))
    suggestions = st.session_state.mapping_suggestions[1]
    # What the widgets hold now (before they are drawn), so a required column's label is red in the same run.
    keys = {c: f"mapping.{token}.{entity}.{c}" for c in ENTITIES[entity].column_names}
    current = {c: choice_from_state(keys[c], suggestions[c]) for c in keys}
    choices: dict[str, Choice] = {}
    targets = ENTITIES[entity].column_names
    for start in range(0, len(targets), 3):
        for cell, column in zip(st.columns(3), targets[start:start + 3]):
            with cell.container(border=True):
                missing = ENTITIES[entity].column(column).required and not mb.is_resolved(entity, column, current)
                choices[column] = column_widget(entity, column, headers, suggestions[column], keys[column], not missing)
                if missing:
                    st.markdown(f":red[{t('mapping.required_missing')}]")
    unresolved = mb.unresolved_required(entity, choices)
    used = {c.source for c in choices.values() if c.kind in ("column", "derive")}
    unused = [h for h in headers if h not in used]
    attributes: list[str] = []
    if unused:
        st.caption(t("mapping.unused", columns=", ".join(f"“{plain(h)}”" for h in unused)))
        if entity != "employee_attributes":
            attributes = st.multiselect(t("mapping.attributes"), unused, key=f"mapping.{token}.{entity}.attributes",
                                        help=t("mapping.attributes_help"), placeholder=t("mapping.attributes_none"))

    st.subheader(t("mapping.step_values"))
    unmatched = mb.unmatched_values(entity, frame, choices, base, settings.grades)
    values: dict[str, dict[str, str | None]] = {}
    if not unmatched:
        st.caption(t("mapping.values_none"))
    else:
        st.caption(t("mapping.values_help"))
    shown_per_column = 24
    for column, found in unmatched.items():
        with st.container(border=True):
            st.markdown(f"**{column_label(entity, column)}**")
            options = mb.canonical_values(entity, column, settings.grades) + [MISSING_VALUE]
            grid = st.columns(3)
            values[column] = {}
            for i, (value, rows) in enumerate(found[:shown_per_column]):
                guess = mb.suggest_value(entity, column, value, settings.grades)
                with grid[i % 3]:
                    picked = st.selectbox(t("mapping.value_label", value=plain(value), rows=f"{rows:,}"), options,
                                          index=options.index(guess) if guess in options else None,
                                          placeholder=t("mapping.value_unmapped"), key=f"mapping.{token}.{entity}.{column}.value.{value}",
                                          format_func=lambda v, c=column: value_label(entity, c, v))
                values[column][value] = None if picked is None else (mb.MISSING if picked == MISSING_VALUE else picked)
            if len(found) > shown_per_column:
                st.caption(t("mapping.values_more", count=len(found) - shown_per_column))

    st.subheader(t("mapping.step_preview"))
    status = query("data_status")
    as_of = st.date_input(t("mapping.as_of"), value=(status or {}).get("as_of_date") or date.today(), key=f"mapping.{token}.as_of",
                          help=t("mapping.as_of_help"), format="YYYY-MM-DD", width=260)
    filled = [d for c, choice in choices.items() if (d := describe(entity, c, choice, as_of))]
    if filled:
        st.caption(t("mapping.filled", columns=plain("; ".join(filled))))
    if unresolved:
        st.error(t("mapping.missing_list", columns=", ".join(column_label(entity, c) for c in unresolved)), icon=":material/error:")
    formats = mb.date_formats(frame, entity, choices, as_of)
    raw = mb.build_mapping("preview", entity, choices, values, upload.name, formats, attributes, headers=frame.columns)
    signature = json.dumps([token, entity, str(as_of), {k: v for k, v in raw.items() if k != "name"}], sort_keys=True, ensure_ascii=False, default=str)
    if st.button(t("mapping.preview_button"), icon=":material/visibility:", disabled=bool(unresolved), key=f"mapping.{token}.preview"):
        with st.spinner(t("mapping.previewing")):
            try:
                result = mb.preview(path, db_path, raw, entity=entity, as_of=as_of)
            except (ImportFileError, ValueError) as exc:
                st.error(t("mapping.preview_failed", error=plain(exc)))
                result = None
        st.session_state.mapping_preview = (signature, result) if result else None
    shown = st.session_state.get("mapping_preview")
    if shown and shown[0] != signature:
        st.info(t("mapping.preview_stale"), icon=":material/refresh:")
    elif shown:
        show_preview(entity, shown[1])

    st.subheader(t("mapping.step_save"))
    name = st.text_input(t("mapping.name"), value=mb.suggested_mapping_name(upload.name), key=f"mapping.{token}.name",
                         help=t("mapping.name_help"), max_chars=60, width=360).strip()
    problem = (t("mapping.name_invalid") if not mb.valid_mapping_name(name)
               else t("mapping.name_preset", name=name) if name in available_presets() else None)
    if problem:
        st.error(problem)
    elif name in mb.saved_mapping_names(db_path):
        st.caption(t("mapping.name_exists"))
    blocked = bool(unresolved or problem)
    left, right, _ = st.columns([1, 1, 3])
    save_only = left.button(t("mapping.save_button"), icon=":material/save:", disabled=blocked, key=f"mapping.{token}.save", width="stretch")
    save_and_import = right.button(t("mapping.import_button"), icon=":material/upload:", type="primary", disabled=blocked or bool(demo_accounts),
                                   key=f"mapping.{token}.import", width="stretch")
    if demo_accounts:  # leaving the demo goes through Import files, which says what ends and offers the new account
        st.caption(t("data.leave_demo_mapping"))
    if save_only or save_and_import:
        try:
            mb.save({**raw, "name": name}, name, db_path)
        except (ValueError, OSError) as exc:
            st.error(t("mapping.save_failed", error=plain(exc)))
            return
        outcome = {"token": token, "name": name}
        if save_and_import:
            bar = st.progress(0.0, text=t("mapping.importing"))
            try:
                outcome["summary"] = imports.import_files(  # as Import files above: isolated, re-scored, audited
                    user, [path], db_path, preset=name, command="app mapping screen", as_of=as_of, isolated=True,
                    progress=lambda fraction, _message: bar.progress(min(fraction, 1.0), text=t("mapping.importing")))
            except IMPORT_ERRORS as exc:
                outcome["error"] = str(exc)
            bar.empty()
        # Run the page again so that Import files and the runs below already know the new mapping and run.
        st.session_state.mapping_outcome = outcome
        st.rerun()
    outcome = st.session_state.get("mapping_outcome")
    if outcome and outcome["token"] == token:
        st.success(t("mapping.saved", name=outcome["name"]), icon=":material/check_circle:")
        if outcome.get("error"):
            st.error(t("mapping.import_failed", error=plain(outcome["error"])))
        elif summary := outcome.get("summary"):
            totals = summary["totals"]
            st.success(t("mapping.imported", run_id=summary["run_id"], read=f"{totals['read']:,}", loaded=f"{totals['loaded']:,}",
                         quarantined=f"{totals['quarantined']:,}", duplicates=f"{totals['exact_duplicates']:,}"), icon=":material/task_alt:")
            show_summary_notes(summary, counts=False)
            if summary.get("model_warning"):
                st.warning(plain(summary["model_warning"]), icon=":material/warning:")


def show_preview(entity: str, result) -> None:
    counts = result.counts
    tiles = [("count_read", counts["read"]), ("count_loaded", counts["loaded"]), ("count_quarantined", counts["quarantined"]),
             ("count_duplicates", counts["exact_duplicates"])] + ([("count_skipped", counts["skipped"])] if counts.get("skipped") else [])
    for col, (key, n) in zip(st.columns(len(tiles)), tiles):
        col.metric(t(f"mapping.{key}"), f"{n:,}", border=True)
    st.markdown(f"**{t('mapping.reasons_title')}**")
    if result.quarantine.height == 0:
        st.caption(t("mapping.reasons_none"))
    else:
        st.dataframe(
            result.quarantine.with_columns(
                pl.col("column_name").replace_strict({c: column_label(entity, c) for c in ENTITIES[entity].column_names}, default=pl.col("column_name"))
            ),
            hide_index=True, key="mapping_reasons",
            column_config={"column_name": t("mapping.col_column"), "reason": t("mapping.col_reason"),
                           "rows": st.column_config.NumberColumn(t("mapping.col_rows"), format="localized"),
                           "first_row": st.column_config.NumberColumn(t("mapping.col_first_row"), format="plain")},
        )
    st.markdown(f"**{t('mapping.rows_title', count=min(result.loaded.height, 200))}**")
    st.dataframe(
        result.loaded, hide_index=True, key="mapping_rows",
        column_config={"row": st.column_config.NumberColumn(t("mapping.col_row"), format="plain"),
                       **{c: column_label(entity, c) for c in ENTITIES[entity].column_names}},
    )


with st.expander(t("mapping.title"), expanded=False, icon=":material/tune:", key="mapping_expander"):
    mapping_screen()


# --- Runs, files and quarantine ----------------------------------------------------------------------------
def readable(frame: pl.DataFrame) -> pl.DataFrame:
    """Kinds of data and columns by their names on screen (the CSV download keeps the import format's names)."""
    if "column_name" in frame.columns and "entity" in frame.columns:
        frame = frame.with_columns(pl.struct("entity", "column_name").map_elements(
            lambda r: column_label(r["entity"], r["column_name"]) if r["entity"] in ENTITIES and r["column_name"] in ENTITIES[r["entity"]].column_names
            else r["column_name"], return_dtype=pl.String).alias("column_name"))
    if "entity" in frame.columns:
        frame = frame.with_columns(pl.col("entity").replace_strict({e: t(f"mapping.entity_name.{e}") for e in ENTITIES}, default=pl.col("entity")))
    return frame


runs = query("import_runs")
if runs.height == 0:
    st.info(t("data.no_runs"))
    st.stop()

st.subheader(t("data.runs_title"))
st.caption(t("data.runs_definition"))
st.dataframe(
    runs, hide_index=True,
    column_config={
        "run_id": t("data.col_run"), "started_at": st.column_config.DatetimeColumn(t("data.col_started"), format="YYYY-MM-DD HH:mm"),
        "finished_at": None, "run_by": t("data.col_by"), "command": t("data.col_command"), "preset": t("data.col_preset"),
        "rows_read": st.column_config.NumberColumn(t("data.col_read"), format="localized"), "rows_loaded": st.column_config.NumberColumn(t("data.col_loaded"), format="localized"),
        "rows_quarantined": st.column_config.NumberColumn(t("data.col_quarantined"), format="localized"), "exact_duplicates": st.column_config.NumberColumn(t("data.col_duplicates"), format="localized"),
    },
)

# Employees' own profile entries (issue #18): how many count, how many imported values they outdated, how many wait.
self_service = ScopedData(user).self_service_status()
if self_service["self_service_values"] or self_service["imported_not_applied"] or self_service["pending"]:
    st.markdown(f"**{t('self_service_data.title')}**")
    text = t("self_service_data.counted", n=f"{self_service['self_service_values']:,}", older=f"{self_service['imported_not_applied']:,}")
    if self_service["pending"]:
        text += " " + t("self_service_data.pending", n=f"{self_service['pending']:,}")
    st.caption(text)
    if self_service["pending"] and st.button(t("self_service_data.apply"), icon=":material/sync:"):
        if ScopedData(user).apply_self_service_edits():
            st.success(t("self_service_data.applied"))
        else:
            st.warning(t("self_service_data.busy"))

run_ids = runs["run_id"].to_list()
run_id = st.selectbox(t("data.pick_run"), run_ids, index=0)
st.subheader(t("data.files_title", run_id=run_id))
run = query("import_details.run_summary", run_id)
show_summary_notes(run)
derived = {(f.get("entity"), Path(str(f.get("file", ""))).name): f.get("derived") or {} for f in run.get("files", [])}
file_table = query("import_files", run_id)
file_table = file_table.with_columns(pl.col("file").map_elements(lambda f: Path(f).name, return_dtype=pl.String)).with_columns(
    pl.struct("entity", "file").map_elements(
        lambda r: "; ".join(f"{column_label(r['entity'], c) if r['entity'] in ENTITIES and c in ENTITIES[r['entity']].column_names else c}: {d}"
                            for c, d in derived.get((r["entity"], r["file"]), {}).items()),
        return_dtype=pl.String).alias("derived"))
st.dataframe(
    readable(file_table), hide_index=True,
    column_order=["entity", "file", "rows_read", "rows_loaded", "rows_quarantined", "exact_duplicates", "derived", "ignored_columns", "sha256"],
    column_config={
        "entity": t("data.col_entity"), "file": t("data.col_file"), "rows_read": st.column_config.NumberColumn(t("data.col_read"), format="localized"),
        "rows_loaded": st.column_config.NumberColumn(t("data.col_loaded"), format="localized"), "rows_quarantined": st.column_config.NumberColumn(t("data.col_quarantined"), format="localized"),
        "exact_duplicates": st.column_config.NumberColumn(t("data.col_duplicates"), format="localized"), "ignored_columns": t("data.col_ignored"), "sha256": t("data.col_hash"),
        "derived": st.column_config.TextColumn(t("mapping.col_derived"), help=t("mapping.col_derived_help"), width="large"),
    },
)
for (entity_name, file_name), filled in derived.items():  # the same, readable in full
    if filled:
        names = [column_label(entity_name, c) if entity_name in ENTITIES and c in ENTITIES[entity_name].column_names else c for c in filled]
        st.caption(t("mapping.filled_in_file", file=plain(file_name),
                     columns=plain("; ".join(f"{n}: {d}" for n, d in zip(names, filled.values())))))

st.subheader(t("data.quarantine_title"))
st.caption(t("data.quarantine_definition"))
reasons = query("quarantine_reasons", run_id)
if reasons.height == 0:
    st.success(t("data.quarantine_empty"))
    st.stop()
st.dataframe(
    readable(reasons), hide_index=True,
    column_config={"entity": t("data.col_entity"), "column_name": t("data.col_column"), "problem": t("data.col_problem"), "rows": st.column_config.NumberColumn(t("data.col_rows"), format="localized")},
)
entity = st.selectbox(t("data.pick_entity"), [None, *reasons["entity"].unique(maintain_order=True).to_list()],
                      format_func=lambda e: t("data.all_entities") if e is None else t(f"mapping.entity_name.{e}") if e in ENTITIES else e)
rows = query("quarantine_rows", run_id, entity=entity)
st.dataframe(
    readable(rows), hide_index=True,
    column_config={"entity": t("data.col_entity"), "file": t("data.col_file"), "row_number": t("data.col_row"),
                   "column_name": t("data.col_column"), "value": t("data.col_value"), "reason": t("data.col_reason"), "raw_row": t("data.col_raw")},
)
quarantine_csv(st, t("data.download_quarantine"), rows, f"quarantine_run{run_id}.csv", user)
