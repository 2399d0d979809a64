"""Model: does the potential model rank candidates better than the pool rules?"""
from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard.access import ScopedData
from services import flight_risk, model, theme
from services.i18n import t
from dashboard.session import signed_in_user
from dashboard.state import clear_caches
from services.config import settings as load_settings
from services.model import feature_label


def attribute_label(name: str) -> str:
    """A protected attribute in words: the catalogue's for the known ones, else its name without underscores."""
    known = t(f"model_card.attribute_{name}")
    return known if known != f"model_card.attribute_{name}" else name.replace("_", " ")


def group_label(attribute: str, group: str) -> str:
    """A group of the fairness table in words: gender and age bands as the trends page names them ("<30" → Under 30),
    'unknown' as not recorded, anything else (an attribute HR added) as imported."""
    if group == "unknown":
        return t("model_card.group_unknown")
    key = {"gender": f"trends.gender_{group}",
           "age_band": f"trends.age_band_{group.replace('<', 'under_').replace('+', '_plus').replace('-', '_')}"}.get(attribute)
    return t(key) if key and t(key) != key else group


def calibration_chart(calibration: list[dict], definition: str, predicted: str, observed: str, key: str | None = None) -> None:
    """A model card's calibration (both models): people in bands of predicted chance, the predicted against the observed
    share, the dotted diagonal where they agree. `definition` and the axis names say which outcome."""
    st.subheader(t("model.calibration_title"))
    st.caption(definition)
    cal = pl.DataFrame(calibration)
    top = max(cal["predicted"].max(), cal["observed"].max()) * 100 * 1.1 if cal.height else 1
    fig = go.Figure([
        go.Scatter(x=[0, top], y=[0, top], mode="lines", line=dict(color=theme.MUTED, dash="dot"), showlegend=False, hoverinfo="skip"),
        go.Scatter(x=cal["predicted"] * 100, y=cal["observed"] * 100, mode="lines+markers", marker=dict(size=9, color=theme.PRIMARY),
                   customdata=cal["people"], hovertemplate="%{x:.1f} % → %{y:.1f} % (%{customdata})<extra></extra>", showlegend=False),
    ])
    fig.update_layout(template=theme.TEMPLATE, height=340, xaxis_title=predicted, yaxis_title=observed)
    st.plotly_chart(fig, width="stretch", key=key)


user = signed_in_user()
VIEWS = ("potential", "flight_risk")  # the two models; the page's question follows the one chosen below
flight_view = st.session_state.get("model_view") == "flight_risk"
st.title(t("flight_risk.page_title" if flight_view else "model.title"))
st.caption(t("flight_risk.intro" if flight_view else "model.intro"))
if not user.can("view_people"):
    st.error(t("users.not_allowed"))
    st.stop()



def flight_risk_section() -> None:
    """The flight-risk model (issue #16 part 4): what it is for, its figures against tenure alone, calibration, fairness."""
    st.info(t("flight_risk.purpose"), icon=":material/info:")
    if user.can("manage_data") and st.button(t("flight_risk.train"), icon=":material/model_training:", key="train_flight_risk"):
        with st.spinner(t("model.training")):
            try:
                trained = flight_risk.train_flight_risk(user)  # trains, scores everyone, records it in the audit log
            except flight_risk.NotEnoughHistory as exc:
                st.warning(t("flight_risk.not_enough"))
                with st.expander(t("evidence.how_computed")):
                    st.caption(str(exc))  # the training's own reason: how many exits were found and needed
            else:
                clear_caches()
                st.success(t("flight_risk.trained", version=trained["version"]))
    found = flight_risk.versions()
    if not found:
        st.info(t("flight_risk.none" if user.can("manage_data") else "flight_risk.none_ask_hr"))
        return
    try:
        card = flight_risk.load_card(found[0])
    except flight_risk.ModelFileError as exc:
        st.error(str(exc))
        return
    m, b = card["metrics"]["model"], card["metrics"]["tenure_baseline"]
    cut = card["risk_bands"]
    st.write(t("flight_risk.version", version=card["version"], created=card["created_at"].replace("T", " ")))
    st.write(t("flight_risk.label_line"))
    st.caption(t("flight_risk.bands_line", medium=f"{100 * cut['medium']:g}", high=f"{100 * cut['high']:g}"))
    few = card["test_positives"] < model.MIN_TEST_POSITIVES
    if few:
        st.info(t("flight_risk.too_few", positives=card["test_positives"], needed=model.MIN_TEST_POSITIVES), icon=":material/help:")
    else:
        (st.success if card["beats_baseline"] else st.warning)(t("flight_risk.beats" if card["beats_baseline"] else "flight_risk.does_not_beat"))
    st.caption(t(f"flight_risk.evaluation_{card['evaluation']}", train=", ".join(card["train_snapshots"]), test=card["test_snapshot"],
                 rows=f"{card['test_rows']:,}", positives=f"{card['test_positives']:,}", folds=card.get("folds", 5)))
    names = ["roc_auc", "average_precision", "brier"]
    table = {t("model.metric"): [t(f"flight_risk.{n}") for n in names],
             t("flight_risk.col_model", estimator=t(f"model_card.estimator_{card['estimator']}")): [m[n] for n in names],
             t("flight_risk.col_baseline"): [b[n] for n in names]}
    st.dataframe(pl.DataFrame(table), hide_index=True, placeholder="–",
                 column_config={c: st.column_config.NumberColumn(format="%.3f", width=150) for c in table if c != t("model.metric")}
                 | {t("model.metric"): st.column_config.TextColumn(width=520)})
    with st.expander(t("evidence.how_computed"), icon=":material/calculate:"):
        st.caption(t("flight_risk.exits_line", train=card["train_positives"], test=card["test_positives"], apart=card["set_apart"]))
        st.caption(t("flight_risk.set_apart_why"))
        st.caption(t("flight_risk.baseline_line"))
        st.caption(t("evidence.measures"))
        st.caption(t("flight_risk.inputs_line", n=len(card["features"]), names=", ".join(feature_label(f, t) for f in card["features"])))
        st.caption(t("model_card.protected_line", names=", ".join(attribute_label(a) for a in card.get("audited_attributes") or card.get("protected_attributes_not_used", []))))
    left, right = st.columns([2, 3])
    with left:
        calibration_chart(card["calibration"], t("flight_risk.calibration_definition"), t("flight_risk.axis_predicted"),
                          t("flight_risk.axis_observed"), key="flight_risk_calibration")
    with right:
        st.subheader(t("flight_risk.fairness_title"))
        st.caption(t("flight_risk.fairness_definition"))
        fair = pl.DataFrame(card["fairness"], infer_schema_length=None)
        if fair.height:
            fair = fair.with_columns(
                pl.col("attribute").replace_strict({a: attribute_label(a) for a in fair["attribute"].unique()}, return_dtype=pl.String),
                pl.concat_str("attribute", pl.lit("\x1f"), "group").replace_strict(
                    {f"{a}\x1f{g}": group_label(a, g) for a, g in fair.select("attribute", "group").unique().iter_rows()}).alias("group"))
            gaps = fair.filter(pl.col("people") >= 30).with_columns((pl.col("predicted_rate") - pl.col("observed_rate")).alias("gap")) \
                .drop_nulls("gap").sort(pl.col("gap").abs(), descending=True)
            if gaps.height:  # the fairness table in words: the group the model misjudges most
                g = gaps.row(0, named=True)
                st.write(t("flight_risk.fairness_words", group=g["group"], attribute=g["attribute"], people=f"{g['people']:,}",
                           observed=f"{100 * g['observed_rate']:.1f}", predicted=f"{100 * g['predicted_rate']:.1f}"))
            st.dataframe(fair.select("attribute", "group", "people", "observed_rate", "predicted_rate", "high_share"), hide_index=True,
                         placeholder="–", column_config={
                             "attribute": st.column_config.TextColumn(t("model_card.col_attribute"), width=80),
                             "group": st.column_config.TextColumn(t("model_card.col_group"), width=95),
                             "people": st.column_config.NumberColumn(t("model_card.col_people"), format="localized", width=65),
                             "observed_rate": st.column_config.NumberColumn(t("flight_risk.col_observed"), format="percent", width=90),
                             "predicted_rate": st.column_config.NumberColumn(t("flight_risk.col_predicted"), format="percent", width=90),
                             "high_share": st.column_config.NumberColumn(t("flight_risk.col_high_share"), format="percent", width=90)})
        else:
            st.caption(t("flight_risk.no_fairness"))
    scored = ScopedData(user).flight_risk_scores()
    if scored.height:
        counts = {b: int((scored["risk_band"] == b).sum()) for b in flight_risk.RISK_BANDS}
        st.caption(t("flight_risk.scored_line", people=f"{scored.height:,}", low=f"{counts['low']:,}", medium=f"{counts['medium']:,}",
                     high=f"{counts['high']:,}"))


view = st.segmented_control(t("flight_risk.which_model"), VIEWS, default="potential", format_func=lambda v: t(f"flight_risk.view_{v}"),
                            key="model_view") or "potential"
if view == "flight_risk":
    flight_risk_section()
    st.stop()

if user.can("manage_data") and st.button(t("model.train"), icon=":material/model_training:", key="train_model"):
    with st.spinner(t("model.training")):
        try:
            card = model.train(user)  # trains, scores everyone, records it in the audit log
        except model.NotEnoughHistory as exc:
            st.warning(t("model.not_enough"))
            with st.expander(t("evidence.how_computed")):
                st.caption(str(exc))  # the training's own reason, with the settings it names
        else:
            clear_caches()
            st.success(t("model.trained", version=card["version"]))

versions = model.versions()
if not versions:
    st.info(t("model.none" if user.can("manage_data") else "evidence.none_ask_hr"))
    st.stop()
try:
    card = model.load_card(versions[0])
except model.ModelFileError as exc:
    st.error(str(exc))
    st.stop()

kind = card.get("label_kind", "into_management")
cfg = {**load_settings().model, **card.get("label_settings", {})}  # as trained
definition = t(f"model_card.label_{kind}", level=cfg["management_level"], horizon=cfg["horizon_years"])
if card.get("label") == "label_strict":
    definition = t("model_card.label_strict", label=definition, grade=cfg["strict_min_grade"])
st.write(t("model.version", version=card["version"], created=card["created_at"].replace("T", " "), label=t(f"model_card.kind_{kind}")))
st.write(t("model_card.label_line", kind=t(f"model_card.kind_{kind}"), definition=definition))

# The verdict: a winner only when the test had enough cases to tell a better ranking from luck (services.model.evidence).
found = model.evidence(card)
if found.verdict == "too_few":
    reasons = ([t("evidence.few_positives", positives=found.positives, needed=model.MIN_TEST_POSITIVES)] if found.positives_too_few else []) + (
        [t("evidence.small_top_group", k=found.top_group, needed=model.MIN_TOP_GROUP)] if found.top_group_too_small else [])
    st.info(t("evidence.too_few", reasons="; ".join(reasons)), icon=":material/help:")
else:
    (st.success if found.verdict == "beats" else st.warning)(t(f"model.{found.verdict}"))

st.subheader(t("model.metrics_title"))
st.caption(t("evidence.tested_on", test=card["test_snapshot"], rows=f"{card['test_rows']:,}", positives=f"{card['test_positives']:,}"))
chosen = card.get("estimator", "logistic")
names = ["roc_auc", "average_precision", "brier", "precision_at_k"]
row_labels = [t(f"model.{n}") for n in names[:3]] + [
    t("evidence.row_top_share", k=found.top_group) + (f" — {t('evidence.too_few_short')}" if found.top_group_too_small else "")]
estimators = card.get("estimators") or {chosen: card["metrics"]["model"]}
table = {t("model.metric"): row_labels + [t("model_card.validation_average_precision")]}
for name, figures in estimators.items():
    header = t(f"model_card.estimator_{name}") + (f" ({t('model_card.chosen')})" if name == chosen else "")
    table[header] = [figures.get(n) for n in names] + [figures.get("validation_average_precision")]
table[t("model.rules_col")] = [card["metrics"]["rules"][n] for n in names] + [None]  # the rules are not fitted: no validation
st.dataframe(pl.DataFrame(table), hide_index=True, placeholder="–",
             column_config={c: st.column_config.NumberColumn(format="%.3f", width=125) for c in table if c != t("model.metric")}
             | {t("model.metric"): st.column_config.TextColumn(width=560)})
with st.expander(t("evidence.how_computed"), icon=":material/calculate:"):
    evaluation = card.get("evaluation", "time_split")
    st.caption(t(f"model_card.evaluation_{evaluation}", train=", ".join(card["train_snapshots"]), test=card["test_snapshot"],
                 rows=f"{card['test_rows']:,}", positives=f"{card['test_positives']:,}", folds=card.get("folds", 5)))
    st.caption(t("model_card.k_line", k=card["k"]))
    st.caption(t("evidence.measures"))
    st.caption(t("evidence.enough_cases", positives=model.MIN_TEST_POSITIVES, k=model.MIN_TOP_GROUP))
    st.caption(t("model_card.estimator_line", estimator=t(f"model_card.estimator_{chosen}")))
    st.caption(t("model_card.rules_no_validation"))

left, right = st.columns([2, 3])
with left:
    calibration_chart(card["calibration"], t("model.calibration_definition"), t("model.axis_predicted"), t("model.axis_observed"))
with right:
    st.subheader(t("model.fairness_title"))
    st.caption(t("model.fairness_definition"))
    fair = pl.DataFrame(card["fairness"])
    flagged = int(fair["flagged"].sum()) if fair.height else 0
    if found.top_group_too_small:
        st.info(t("evidence.fairness_too_few", k=found.top_group))
    elif flagged:
        st.warning(t("model.flagged", n=flagged))
    if fair.height:
        fair = fair.with_columns(
            pl.col("attribute").replace_strict({a: attribute_label(a) for a in fair["attribute"].unique()}, return_dtype=pl.String),
            pl.concat_str("attribute", pl.lit("\x1f"), "group").replace_strict(
                {f"{a}\x1f{g}": group_label(a, g) for a, g in fair.select("attribute", "group").unique().iter_rows()}).alias("group"),
            pl.col("flagged").replace_strict({True: t("model_card.flag_yes"), False: ""}, return_dtype=pl.String),
        )
        if found.top_group_too_small:  # no flag means anything on a handful of people
            fair = fair.drop("flagged")
    st.dataframe(fair, hide_index=True, placeholder="–", column_config={
        "attribute": st.column_config.TextColumn(t("model_card.col_attribute"), width=80),
        "group": st.column_config.TextColumn(t("model_card.col_group"), width=95),
        "people": st.column_config.NumberColumn(t("model_card.col_people"), format="localized", width=65),
        "selected": st.column_config.NumberColumn(t("model_card.col_selected"), format="localized", width=75),
        "selection_rate": st.column_config.NumberColumn(t("model_card.col_selection_rate"), format="percent", width=80),
        "impact_ratio": st.column_config.NumberColumn(t("model_card.col_impact_ratio"), format="%.2f", width=75),
        "flagged": st.column_config.TextColumn(t("model_card.col_flagged"), width=80)})

st.subheader(t("model.features_title"))
attribute_names = card.get("attribute_features", {})
st.write(t("model_card.inputs_line", n=len(card["features"])) + " " + ", ".join(feature_label(f, t, attribute_names) for f in card["features"]))
if attribute_names:
    st.caption(t("model_card.attributes_line", names=", ".join(attribute_names.values())))
if card.get("undated_attributes"):
    st.caption(t("model_card.undated_line", names=", ".join(feature_label(f, t, attribute_names) for f in card["undated_attributes"])))
st.caption(t("model_card.protected_line", names=", ".join(attribute_label(a) for a in card.get("audited_attributes") or card.get("protected_attributes_not_used", []))))
if card.get("left_out"):
    with st.expander(t("model_card.left_out_title")):
        st.dataframe(pl.DataFrame({t("model_card.col_input"): [feature_label(f, t, attribute_names) for f in card["left_out"]],
                                   t("model_card.col_reason"): list(card["left_out"].values())}), hide_index=True)
st.subheader(t("model.history_title"))
history = []
for v in versions:
    try:
        c = model.load_card(v)
    except model.ModelFileError:
        continue
    history.append({  # the version is the training's date and time
        "version": v, "label": t(f"model_card.label_short_{c.get('label_kind') or 'into_management'}"),
        "evaluation": t(f"model_card.evaluation_kind_{c.get('evaluation') or 'time_split'}"),
        "estimator": t(f"model_card.estimator_{c.get('estimator') or 'logistic'}"), "tested_on": c.get("test_snapshot"),
        "ranking": c.get("metrics", {}).get("model", {}).get("roc_auc"), "top": c.get("metrics", {}).get("model", {}).get("average_precision"),
        "verdict": {"beats": t("model_card.flag_yes"), "does_not_beat": t("model_card.flag_no"), "too_few": t("evidence.too_few_short")}[
            model.evidence(c).verdict]})
st.dataframe(pl.DataFrame(history), hide_index=True, placeholder="–", column_config={
    "version": st.column_config.TextColumn(t("model_card.col_version"), width=130, help=t("model_card.col_trained")),
    "label": st.column_config.TextColumn(t("model_card.col_label"), width=120),
    "evaluation": st.column_config.TextColumn(t("model_card.col_evaluation"), width=110),
    "estimator": st.column_config.TextColumn(t("model_card.col_estimator"), width=160),
    "tested_on": st.column_config.TextColumn(t("model_card.col_test_snapshot"), width=90),
    "ranking": st.column_config.NumberColumn(t("evidence.col_ranking"), format="%.3f", width=80, help=t("model.roc_auc")),
    "top": st.column_config.NumberColumn(t("evidence.col_top_of_list"), format="%.3f", width=80, help=t("model.average_precision")),
    "verdict": st.column_config.TextColumn(t("model_card.col_beats_rules"), width=150)})
