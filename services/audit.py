"""The audit log in the reader's words (issue #15 item 8): who did what, said in their language.

The writers keep their audit rows as they are (`key=value; …` and a few short sentences, services/workspace.write):
the log stays a stable, greppable record. Here each action's detail is read by its own pattern and said again in
words, one polars expression per action; a detail no pattern fits (an older release's, say) is shown as written,
but a file path in it is cut to the file's name, so no temporary folder of the server reaches the page.
"""
from __future__ import annotations

import re

import polars as pl

from .i18n import t

SYSTEM_ACTORS = ("first start", "demo", "system")  # auth.FIRST_START, auth.DEMO, auth.SYSTEM: names, not people
# A file path (POSIX or Windows) with at least one folder: only its last part, the file's name, is kept.
_PATH = r"(?:[A-Za-z]:)?(?:[\\/][^\\/\s;,'\"()]+)*[\\/]([^\\/\s;,'\"()]+)"


def actors_in_words(column: str) -> pl.Expr:
    """The app's own actors (the first start, the demo generator, the command line's system) named in words, and an
    account of the command line (services.export.cli_user: cli:<OS account>) said to be one."""
    return pl.col(column).replace({a: t(f"audit_words.actor_{a.replace(' ', '_')}") for a in SYSTEM_ACTORS}).str.replace(
        r"^cli:(.+)$", t("audit_words.actor_cli", account="${1}"))


def action_label(code: str) -> str:
    """An audit action in words: the catalogue's, else the code without underscores (an action added later still reads)."""
    known = t(f"audit_action.{code}")
    return known if known != f"audit_action.{code}" else code.replace("_", " ").capitalize()


def _fill(key: str, **values: pl.Expr) -> pl.Expr:
    """The catalogue's sentence `key` with its {named} places filled by expressions, in the order the language
    puts them; null where any value is null (the pattern did not fit)."""
    text = t(key)
    names = re.findall(r"\{(\w+)\}", text)
    return pl.format(re.sub(r"\{\w+\}", "{}", text), *(values[n] for n in names))


def _words(value: pl.Expr, prefix: str, codes) -> pl.Expr:
    """Codes as the catalogue's words (`prefix.code`); a value not among them stays as it is."""
    return value.replace_strict({c: t(f"{prefix}.{c}") for c in codes}, default=value, return_dtype=pl.String)


def _part(label: str, value: pl.Expr) -> pl.Expr:
    """"Label: value" (null when the value is)."""
    return pl.lit(t("audit_words.label", label=t(f"audit_words.{label}"))) + value


def _join(*parts: pl.Expr) -> pl.Expr:
    """The parts that are there, joined by the language's separator; null when none is."""
    joined = pl.concat_str(parts, separator=t("audit_words.separator"), ignore_nulls=True)
    return pl.when(joined != "").then(joined)


def _field(key: str, last: bool = False) -> pl.Expr:
    """The value of `key=` in a `key=value; …` detail; the last field (a typed reason) may itself hold '; '."""
    found = pl.col("detail").str.extract(rf"(?:^|; ){key}=({'.*' if last else '[^;]*'})", 1)
    return pl.when(found.is_in(["None", ""]).not_()).then(found)


def _match(pattern: str, group: int) -> pl.Expr:
    return pl.col("detail").str.extract(pattern, group)


def cycles_in_words(value: pl.Expr) -> pl.Expr:
    """Review cycle ids (2026-mid_year) as their names (2026 · July mid-year review)."""
    return value.str.replace_all(r"(\d{4})-mid_year", "${1} · " + t("reviews.kind_mid_year")).str.replace_all(
        r"(\d{4})-year_end", "${1} · " + t("reviews.kind_year_end"))


def _yes_no(value: pl.Expr) -> pl.Expr:
    return value.str.to_lowercase().replace_strict({"true": t("audit_words.yes"), "false": t("audit_words.no")}, default=value,
                                                   return_dtype=pl.String)


def _pool_rule(key: str, value: pl.Expr) -> pl.Expr:
    """One pool rule's value, as the overview's form says it."""
    if key == "top_performance_share":
        return (value.cast(pl.Float64, strict=False) * 100).round(1).cast(pl.String).str.replace(r"\.0$", "") + " %"
    if key == "performance_scope":
        return _words(value, "audit_words.scope", ("company", "department"))
    return _yes_no(value)


def _pool_rules_changed() -> pl.Expr:
    """The JSON detail {"before": {...}, "after": {...}}: each rule that changed, before → after."""
    changes = []
    for key in ("top_performance_share", "performance_scope", "require_management_experience", "require_career_plan"):
        before = pl.col("detail").str.json_path_match(f"$.before.{key}")
        after = pl.col("detail").str.json_path_match(f"$.after.{key}")
        changes.append(pl.when(before.fill_null("") != after.fill_null("")).then(
            _part(f"rule_{key}", _pool_rule(key, before).fill_null("–") + " → " + _pool_rule(key, after).fill_null("–"))))
    return _join(*changes)


def _import() -> pl.Expr:
    command = _field("command")
    source = (pl.when(command.str.starts_with("python -m pipelines demo")).then(pl.lit(t("audit_words.cli_demo")))
              .when(command.str.starts_with("python ")).then(pl.lit(t("audit_words.command_line")))
              .otherwise(_words(command, "audit_words.source", ("first start: demo organisation", "app upload", "app mapping screen"))
                         .str.replace_all(_PATH, "$1")))
    preset = _field("preset")
    scored = pl.col("detail").str.extract(r"; scored=(\d+) with model (\S+)$", 1)
    model = (pl.when(scored.is_not_null()).then(_fill("audit_words.import_scored", scored=scored))
             .when(pl.col("detail").str.ends_with("no trained model: not scored")).then(pl.lit(t("audit_words.import_no_model")))
             .when(pl.col("detail").str.contains("; imported, but not scored: ")).then(pl.lit(t("audit_words.import_score_failed"))))
    return _join(
        _fill("audit_words.import_counts", read=_field("read"), loaded=_field("loaded"), quarantined=_field("quarantined"),
              duplicates=_field("duplicates")),
        _part("as_of", _field("as_of")), _part("from", source),
        _part("mapping", pl.when(preset == "canonical").then(pl.lit(t("audit_words.preset_canonical"))).otherwise(preset)), model)


def _detail_words() -> dict[str, pl.Expr]:
    """Each action's detail in words (an action with no detail, or none worth saying, is not here)."""
    from .auth import ROLES
    from .calibration import BANDS
    from .people import BOXES, READINESS
    from .plans import KINDS
    from pipelines.intermediate import SELF_SERVICE_FIELDS

    from .reviews import ALL_OUTCOMES, DISPUTE_TOPICS

    from .i18n import LANGUAGES

    readiness = lambda value: _words(value, "readiness", READINESS)  # noqa: E731
    language = lambda value: value.replace_strict(LANGUAGES, default=value, return_dtype=pl.String)  # noqa: E731
    outcome = lambda value: _words(value, "outcome", ALL_OUTCOMES)  # noqa: E731
    band = lambda value: _words(value, "audit_words.band", BANDS)  # noqa: E731
    box = lambda value: value.replace_strict({f"{k[0]}/{k[1]}": t(f"nine_box.{v}") for k, v in BOXES.items()}, default=value,  # noqa: E731
                                             return_dtype=pl.String)
    reason = _part("reason", _field("reason", last=True))
    target = _part("target_position", _field("target"))
    grid = r"^\('(\w+)', '(\w+)'\) -> \('(\w+)', '(\w+)'\)"
    members = _fill("audit_words.members", n=_match(r"^(\d+) members$", 1))
    cycle_outcome = r"^(\d{4}-\w+?): (\w+)"
    departments = _field("departments")
    return {
        "import": _import(),
        "workspace_real": _fill("audit_words.real_after_import", run=_match(r"^import run (\S+) by ", 1),
                                by=_match(r"^import run \S+ by (.+)$", 1).replace({"the command line": t("audit_words.command_line")})),
        "user_created": _join(_part("role", _field("role").replace({r: t(f"auth.role_{r}") for r in ROLES})),
                              _part("departments", departments.str.replace_all(",", t("audit_words.list_separator"), literal=True))),
        "sign_in_refused": (pl.when(pl.col("detail").str.starts_with("locked out (client)"))
                            .then(_fill("audit_words.locked_client", client=_field("client")))
                            .when(pl.col("detail").str.starts_with("locked out (account)"))
                            .then(_fill("audit_words.locked_account", client=_field("client")))
                            .when(pl.col("detail") == "demo account with real data").then(pl.lit(t("audit_words.demo_off")))),
        "sign_in_failed": pl.when(pl.col("detail").str.starts_with("password over")).then(pl.lit(t("audit_words.password_too_long"))),
        "model_trained": _join(
            _part("estimator", _field("estimator").replace({e: t(f"model_card.estimator_{e}") for e in ("logistic", "boosting")})),
            _part("learns", _words(_field("label"), "audit_words.label_kind", ("label", "label_strict"))),
            # not the training's beats_rules: on too few cases the model page names no winner (services.model.evidence)
            _fill("audit_words.scored", n=_field("scored"))),
        "model_scored": _join(_fill("audit_words.scored", n=_field("scored")), _part("as_of", _field("as_of"))),
        # flight risk (issue #16 part 4)
        "flight_risk_trained": _join(
            _part("estimator", _field("estimator").replace({e: t(f"model_card.estimator_{e}") for e in ("logistic", "boosting")})),
            _fill("flight_risk.audit_auc", auc=_field("auc"), baseline=_field("baseline_auc")),
            _fill("audit_words.scored", n=_field("scored")), _fill("flight_risk.audit_high", n=_field("high"))),
        "flight_risk_scored": _join(_fill("audit_words.scored", n=_field("scored")), _fill("flight_risk.audit_high", n=_field("high")),
                                    _part("as_of", _field("as_of"))),
        "pool_rules_changed": _pool_rules_changed(),
        "pool_nominate": _join(_part("readiness", readiness(_field("readiness"))), target, reason),
        "pool_remove": _join(target, reason),
        "pool_readiness_changed": _join(
            _part("readiness", readiness(_match(r"^readiness (\w+) -> ", 1)) + " → " + readiness(_match(r"^readiness \w+ -> (\w+)", 1))),
            target, reason),
        "grid_calibrated": _join(
            _fill("audit_words.moved", from_performance=band(_match(grid, 1)), from_potential=band(_match(grid, 2)),
                  to_performance=band(_match(grid, 3)), to_potential=band(_match(grid, 4))), reason),
        # issue #16 part 2: the calibration session
        "calibration_session_opened": _fill("calibration_session.audit_opened", name=_field("name", last=True), date=_field("date"),
                                            departments=departments.str.replace_all(",", t("audit_words.list_separator"), literal=True)),
        "calibration_moved": _join(_fill("calibration_session.audit_moved", session=_field("session"), from_box=box(_field("from")),
                                         to_box=box(_field("to"))), reason),
        "calibration_session_locked": _fill("calibration_session.audit_locked", people=_match(r"^(\d+) people", 1),
                                            moved=_match(r"; (\d+) moved$", 1)),
        "review_cycle_opened": members,
        "review_cycle_refreshed": members,
        "review_assessment_recorded": _join(
            _part("outcome", outcome(_match(cycle_outcome, 2))),
            _part("suggested", outcome(_match(r"\(suggested (\w+)\)$", 1).replace("None", None)))),
        "review_outcome_confirmed": _part("outcome", outcome(_match(cycle_outcome + "$", 2))),
        "review_export": _join(
            _part("departments", pl.when(departments == "all").then(pl.lit(t("audit_words.all_departments")))
                  .otherwise(departments.str.replace_all(",", t("audit_words.list_separator"), literal=True))),
            _part("files", pl.col("detail").str.extract_all(r"(\S+) sha256=([0-9a-f]{12})").list.join(t("audit_words.list_separator"))
                  .str.replace_all(r"(\S+) sha256=([0-9a-f]{12})", "$1 (SHA-256 $2…)"))),
        "export": _fill("audit_words.rows", n=_match(r"^(\d+) rows$", 1)),
        "demo_pool_seeded": _fill("audit_words.demo_pool", members=_match(r"^(\d+) pool members, (\d+) plan items$", 1),
                                  items=_match(r"^(\d+) pool members, (\d+) plan items$", 2)),
        "demo_review_cycle_seeded": _fill("audit_words.demo_cycle", members=_match(r"^(\d+) members, (\d+) assessed$", 1),
                                          assessed=_match(r"^(\d+) members, (\d+) assessed$", 2)),
        "demo_reviews_seeded": _fill("audit_words.demo_reviews", members=_match(r"^(\d+) pool members, (\d+) cycles$", 1),
                                     cycles=_match(r"^(\d+) pool members, (\d+) cycles$", 2)),
        "plan_template_item_added": _join(_part("kind", _words(_match(r"^(\w+): ", 1), "plan_kind", KINDS)),
                                          _part("title", _match(r"^\w+: (.*)$", 1))),
        "plan_item_changed": _join(
            _fill("audit_words.item_changed", item=_match(r"^item (\d+): ", 1),
                  fields=_match(r"^item \d+: ([\w, ]+?);", 1).str.replace_many(
                      {", ": t("audit_words.list_separator"), **{f: t(f"audit_words.field_{f}") for f in ("status", "due_date", "title", "kind")}})),
            _part("reason", _match(r"^item \d+: [\w, ]+?; (.*)$", 1))),
        # issue #18: the candidate's own writes and their answers
        "profile_edited": _part("fields", _match(r"^fields: (.*)$", 1).str.replace_many(
            {", ": t("audit_words.list_separator"), **{f: t(f"my_profile.field_{f}") for f in SELF_SERVICE_FIELDS}})),
        "plan_item_reported_done": _fill("audit_words.item", item=_match(r"^item (\d+)", 1)),
        **{action: _join(_fill("audit_words.item", item=_match(r"^item (\d+)", 1)), _part("note", _match(r"^item \d+; (.*)$", 1)))
           for action in ("plan_item_confirmed", "plan_item_report_returned")},
        "self_assessment_deadline_set": _match(r"^(\S+) -> ", 1) + " → " + _match(r" -> (\S+)$", 1),
        "review_dispute_raised": _join(pl.col("detail").str.extract(r"^(\d{4}-\w+?)(?::|$)", 1),
                                       _part("about", _match(r": (\w+)$", 1).replace_strict(
                                           {a: t(f"my_review.about_{a}") for a in DISPUTE_TOPICS}, default=None, return_dtype=pl.String))),
        # issue #16 part 3: a talent card or a meeting pack printed (services/talent_card.py)
        "talent_card_downloaded": _fill("talent_card.audit_card", format=_field("format").str.to_uppercase(), language=language(_field("language"))),
        "meeting_pack_downloaded": _fill("talent_card.audit_pack", people=_field("people"), format=_field("format").str.to_uppercase(),
                                         language=language(_field("language"))),
        **{action: _join(_part("department", _match(r"^(.*?): ", 1).replace({"HR template": t("audit_words.hr_template")})),
                         _part("title", _match(r"^.*?: (.*)$", 1)))
           for action in ("position_profile_created", "position_profile_updated")},
        # issue #16 part 1: key seats and their successors (services/succession.py)
        **_succession_words(reason),
    }


def _succession_words(reason: pl.Expr) -> dict[str, pl.Expr]:
    """Key seats and successors (#16 part 1): holder, impact, successor, readiness and place in words."""
    from .succession import IMPACTS, READINESS

    def part(key: str, value: pl.Expr) -> pl.Expr:
        return pl.lit(t("audit_words.label", label=t(f"succession.{key}"))) + value

    def said(value: pl.Expr, prefix: str, codes) -> pl.Expr:  # the page's words for the codes (succession.<prefix>_<code>)
        return value.replace_strict({c: t(f"succession.{prefix}_{c}") for c in codes}, default=value, return_dtype=pl.String)

    impact = lambda value: said(value, "impact", IMPACTS)  # noqa: E731
    successor = _join(part("audit_successor", _field("employee")),
                      _part("readiness", said(_field("readiness"), "readiness", READINESS)),
                      _fill("succession.audit_place", place=_field("rank")))
    return {
        "key_seat_marked": _join(part("audit_holder", _field("holder")), _part("department", _field("department")),
                                 _part("title", _field("position")), part("audit_impact", impact(_field("impact"))), reason),
        "key_seat_unmarked": _join(part("audit_holder", _field("holder")), _part("title", _field("position")), reason),
        "key_seat_impact_set": _join(_fill("succession.audit_impact_change", before=impact(_match(r"^impact (\w+) -> ", 1)),
                                           after=impact(_match(r"^impact \w+ -> (\w+)", 1))), reason),
        "successor_named": _join(successor, reason),
        "successor_removed": _join(part("audit_successor", _field("employee")), reason),
        "demo_succession_seeded": _fill("succession.audit_demo", seats=_match(r"^(\d+) key seats, (\d+) successors$", 1),
                                        successors=_match(r"^(\d+) key seats, (\d+) successors$", 2)),
    }


def in_words(log: pl.DataFrame) -> pl.DataFrame:
    """The audit rows (logged_at, username, action, target, detail) as an HR admin reads them in the current language:
    the action named, the target and detail in words, the app's own actors (first start, demo) named too."""
    if log.height == 0:
        return log
    details = _detail_words()
    said = pl.lit(None, dtype=pl.String)
    for action, words in details.items():  # one when/then per action: a column expression, not a loop over rows
        said = pl.when(pl.col("action") == action).then(words).otherwise(said)
    as_written = pl.col("detail").str.replace_all(_PATH, "$1")
    target = (pl.col("target").str.replace(r"^run (\S+)$", t("audit_words.target_run", run="${1}"))
              .str.replace(r"^seat (\d+)$", t("succession.audit_seat", id="${1}"))
              .replace({"pool rules": t("audit_words.target_pool_rules"), "general": t("audit_words.target_general")}))
    return log.with_columns(
        actors_in_words("username"),
        pl.col("action").replace_strict({a: action_label(a) for a in log["action"].unique()}, return_dtype=pl.String),
        cycles_in_words(target.str.replace_all(_PATH, "$1")),
        cycles_in_words(pl.coalesce(said, as_written)).alias("detail"),
    )
