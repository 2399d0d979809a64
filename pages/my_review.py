"""My review (issue #18): the candidate's self-assessment in an open review, and their results and disputes once HR
closes it. Everything shown is the signed-in account's own person (dashboard.access.ScopedData.my_review)."""
from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

from dashboard.access import NotAllowed, ScopedData
from dashboard.plain import md
from dashboard.session import signed_in_user
from services import reviews
from services.i18n import t

user = signed_in_user()
data = ScopedData(user)
st.title(t("my_review.title"))
st.caption(t("my_review.intro"))

if not user.can("view_own_records"):  # the page is in an employee's navigation only
    st.info(t("my_review.not_an_employee"))
    st.stop()

mine = data.my_review()
cycles, material, results, disputes = mine["cycles"], mine["self_assessments"], mine["results"], mine["disputes"]


def day(value) -> str:
    return "–" if value is None else f"{value:%Y-%m-%d}"


def cycle_name(row: dict) -> str:
    return t("my_review.cycle_name", year=row["year"], kind=t(f"reviews.kind_{row['kind']}"))


def indicator(name: str) -> str:
    return t(f"my_review.indicator_{name}")


if cycles.height == 0:
    st.info(t("my_review.no_cycle"))
    st.stop()

# --- an open review: my self-assessment -----------------------------------------------------------------------
today = date.today()
for row in cycles.filter(pl.col("status") == "open").iter_rows(named=True):
    cycle_id, due = row["cycle_id"], row["self_assessment_due"]
    mine_now = material.filter(pl.col("cycle_id") == cycle_id)
    st.subheader(t("my_review.open_title", cycle=cycle_name(row)))
    days_left = (due - today).days
    editable = days_left >= 0
    if editable:
        st.caption(t("my_review.deadline_ahead", due=day(due), days=days_left) if days_left else t("my_review.deadline_today", due=day(due)))
    else:
        st.warning(t("my_review.deadline_passed", due=day(due)))
    if mine_now.height == 0:
        (st.info if editable else st.caption)(t("my_review.nothing_yet") if editable else t("my_review.nothing_submitted"))
    else:
        st.success(t("my_review.submitted", count=mine_now.height, of=len(reviews.INDICATORS), last=day(mine_now["submitted_at"].max())))
    current = {r["indicator"]: r for r in mine_now.iter_rows(named=True)}
    if editable:
        with st.form(f"self_assessment_{cycle_id}"):
            st.caption(t("my_review.form_help"))
            entries = {}
            for name in reviews.INDICATORS:
                left, right = st.columns([3, 2])
                before = current.get(name, {})
                text = left.text_area(indicator(name), value=before.get("text") or "", height=75, max_chars=4000,
                                      help=t(f"my_review.hint_{name}"), key=f"text_{cycle_id}_{name}")
                evidence = right.text_area(t("my_review.evidence"), value=before.get("evidence") or "", height=75, max_chars=1000,
                                           help=t("my_review.evidence_help"), key=f"evidence_{cycle_id}_{name}",
                                           placeholder=t("my_review.evidence_placeholder"))
                entries[name] = (text, evidence)
            if st.form_submit_button(t("my_review.save"), type="primary"):
                try:
                    written = data.submit_self_assessment(cycle_id, entries)
                except (NotAllowed, ValueError) as exc:
                    st.error(md(exc))  # messages carry typed values: plain text
                else:
                    if written:
                        st.toast(t("my_review.saved", count=written))
                        st.rerun()
                    st.info(t("my_review.unchanged"))
    elif current:
        for name, entry in current.items():
            st.markdown(f"**{indicator(name)}** — {md(entry['text'] or '')}")
            if entry["evidence"]:
                st.caption(t("my_review.evidence_list", items=md("; ".join(entry["evidence"].splitlines()))))
    st.caption(t("my_review.result_later"))

# --- closed reviews: my results, disputes and answers -----------------------------------------------------------
closed = cycles.filter(pl.col("status") == "closed")
st.subheader(t("my_review.results_title"))
if closed.height == 0:
    st.info(t("my_review.no_results_yet"))
    st.stop()
labels = {r["cycle_id"]: t("my_review.closed_label", cycle=cycle_name(r), closed=day(r["closed_at"])) for r in closed.iter_rows(named=True)}
with_result = [c for c in labels if c in set(results["cycle_id"].to_list())]  # open on the latest review that has a result
cycle_id = st.selectbox(t("my_review.which_review"), list(labels), format_func=labels.get, key="my_review_cycle",
                        index=list(labels).index(with_result[0]) if with_result else 0)
row = closed.filter(pl.col("cycle_id") == cycle_id).row(0, named=True)
found = results.filter(pl.col("cycle_id") == cycle_id)
if found.height == 0:
    st.info(t("my_review.not_assessed"))
    st.stop()
result = found.row(0, named=True)


def score(value) -> str:
    return "–" if value is None else f"{value:.0f}"


cols = st.columns([2, 1, 1, 1, 1])
cols[0].metric(t("my_review.outcome"), t(f"outcome.{result['outcome']}"),
               help=t("my_review.outcome_confirmed" if result["confirmed"] else "my_review.outcome_recommended"))
cols[1].metric(t("my_review.composite"), score(result["composite_score"]), help=t("my_review.composite_help"))
cols[2].metric(t("my_review.quantitative"), score(result["quantitative_score"]), help=t("my_review.quantitative_help"))
cols[3].metric(t("my_review.qualitative"), score(result["qualitative_score"]), help=t("my_review.qualitative_help"))
cols[4].metric(t("my_review.plan_completion"), "–" if row["plan_completion"] is None else f"{row['plan_completion']:.0%}",
               help=t("my_review.plan_completion_help", done=row["plan_items_done"] or 0, due=row["plan_items_due"] or 0))

cycle_disputes = disputes.filter(pl.col("cycle_id") == cycle_id)
by_topic = {r["about"]: r for r in cycle_disputes.iter_rows(named=True)}
words = {"strengths": result["strengths"], "gaps": result["gaps"], "comment": result["comment"]}
for box, topic in zip(st.columns(3), ("strengths", "gaps", "comment")):
    box.markdown(f"**{t(f'my_review.about_{topic}')}**")
    box.write(md(words[topic]) if words[topic] else t("my_review.none_written"))
entered = [(name, result[name]) for name in reviews.INDICATORS if result[name] is not None]
with st.expander(t("my_review.indicators_title"), expanded=False):
    if entered:
        st.markdown("\n".join(f"- {t(f'indicator_input.{name}')}: **{value:g}**" for name, value in entered))
    else:
        st.caption(t("my_review.no_indicators"))
    own = material.filter(pl.col("cycle_id") == cycle_id)
    if own.height:
        st.caption(t("my_review.your_material", count=own.height))

# disputes: each with its answer, then the form for the comments not disputed yet
st.markdown(f"**{t('my_review.disputes_title')}**")
if cycle_disputes.height == 0:
    st.caption(t("my_review.no_disputes"))
for d in cycle_disputes.iter_rows(named=True):
    with st.container(border=True):
        st.markdown(t("my_review.dispute_line", about=t(f"my_review.about_{d['about']}"), raised=day(d["raised_at"])) + f"  \n{md(d['dispute'])}")
        if d["answer"]:
            st.success(t("my_review.answer_line", by=md(d["answered_by_name"]), answered=day(d["answered_at"])) + f"  \n{md(d['answer'])}")
        else:
            st.info(t("my_review.waiting"))
open_topics = [topic for topic in reviews.DISPUTE_TOPICS if topic not in by_topic and (topic == "outcome" or words.get(topic))]
if open_topics:
    with st.form(f"my_dispute_{cycle_id}", clear_on_submit=True):
        st.markdown(f"**{t('my_review.raise_title')}**")
        st.caption(t("my_review.raise_help"))
        about = st.selectbox(t("my_review.raise_about"), open_topics, format_func=lambda x: t(f"my_review.about_{x}"), key=f"about_{cycle_id}")
        text = st.text_area(t("my_review.raise_text"), height=90, max_chars=2000, key=f"dispute_text_{cycle_id}")
        if st.form_submit_button(t("my_review.raise"), type="primary"):
            try:
                data.raise_my_dispute(cycle_id, about, text)
            except (NotAllowed, ValueError) as exc:
                st.error(md(exc))
            else:
                st.toast(t("my_review.raised"))
                st.rerun()
else:
    st.caption(t("my_review.all_disputed"))
