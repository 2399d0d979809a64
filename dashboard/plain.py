"""Imported and user-supplied text shown as plain text, never as markup.

Streamlit renders Markdown in titles, captions, messages, button and link labels, and Plotly renders a
subset of HTML (<a href>, <img> is not, but links are) in chart labels and hover text. A name such as
`![x](https://elsewhere/p.png)` would make every viewer's browser fetch an outside address; a URL
parameter like `[click](https://…)` would put a link into a warning box. So every imported or typed
string passes through md() before it reaches a Markdown element and through html() before it reaches
a chart. These are the only two ways such text is rendered.
"""
from __future__ import annotations

import datetime as _dt
import html as _html
import re
import string

import numpy as np
import polars as pl

from services.i18n import DEFAULT_LANGUAGE, current_language

_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")


def md(value: object) -> str:
    """Text for a Markdown element: every ASCII punctuation character backslash-escaped (CommonMark shows an
    escaped punctuation character literally), so no link, image, autolink, emphasis, directive (:red[…],
    :material/…:), math ($…$) or HTML can form; line breaks become spaces."""
    text = "" if value is None else str(value)
    return _PUNCTUATION.sub(r"\\\1", " ".join(text.splitlines()))


def html(value: object) -> str:
    """Text for a Plotly label, title, legend or hover: HTML special characters as entities."""
    return _html.escape("" if value is None else str(value), quote=True)


def html_column(frame: pl.DataFrame, *columns: str) -> pl.DataFrame:
    """The given text columns of a frame escaped with html(), for charts."""
    return frame.with_columns(
        pl.col(c).map_elements(html, return_dtype=pl.String) for c in columns if c in frame.columns and frame.schema[c] == pl.String
    )


_DATA_ATTRIBUTES = ("x", "y", "text", "hovertext", "labels", "theta", "customdata", "ids", "name", "legendgroup")


def _escaped(value):
    if isinstance(value, str):
        return html(value)
    if isinstance(value, (list, tuple)) or getattr(value, "dtype", None) is not None and getattr(value, "dtype").kind == "O":
        return [_escaped(v) for v in value]
    return value


_ISO_DATE = re.compile(r"\d{4}-\d{2}(-\d{2})?")  # text Plotly reads as a date too (a month label such as 2026-01)


def _holds_dates(values) -> bool:
    if values is None or len(values) == 0:
        return False
    if isinstance(values, np.ndarray) and np.issubdtype(values.dtype, np.datetime64):
        return True
    first = values[0]
    return isinstance(first, (_dt.date, np.datetime64)) or (isinstance(first, str) and _ISO_DATE.fullmatch(first) is not None)


def _date_span(columns) -> tuple[bool, int]:
    """For the date values of an axis' traces: whether some date is not a month's first day, and the days first to last."""
    try:
        stamps = np.concatenate([np.asarray(c, dtype="datetime64[s]").ravel() for c in columns])
    except (TypeError, ValueError):  # dates NumPy cannot read as such (time zones): the full date, a short span
        return True, 0
    days = stamps[~np.isnat(stamps)].astype("datetime64[D]")
    if not days.size:
        return False, 0
    return bool((days != days.astype("datetime64[M]").astype("datetime64[D]")).any()), int((days.max() - days.min()).astype(int))


def safe_chart(fig):
    """A Plotly figure with every data string (categories, labels, names, hover text) escaped with html(),
    so an imported name like `<a href=…>` is shown as text, not turned into a link. Templates
    (hovertemplate, texttemplate) are Plotly's own markup and are left alone. Returns the figure."""
    for trace in fig.data:
        for attribute in _DATA_ATTRIBUTES:
            value = getattr(trace, attribute, None) if attribute in trace else None
            if value is not None:
                trace[attribute] = _escaped(value)
        if trace.type == "sankey":
            for part in ("node", "link"):
                if trace[part].label is not None:
                    trace[part].label = _escaped(trace[part].label)
    # Plotly names months in English ("Jan 2026", "Jan 15, 2026"): in any other language a date axis and its hover
    # labels read 2026-01, or 2026-01-15 where a date on the axis is not a month's first day.
    if current_language() != DEFAULT_LANGUAGE:
        dates: dict[str, list] = {}
        for trace in fig.data:
            if "x" in trace and _holds_dates(trace.x):
                dates.setdefault("xaxis" + (trace.xaxis[1:] if trace.xaxis and trace.xaxis != "x" else ""), []).append(trace.x)
        for axis, columns in dates.items():
            by_day, days = _date_span(columns)
            fig.layout[axis].hoverformat = "%Y-%m-%d" if by_day else "%Y-%m"
            if by_day and days <= 92:  # a few weeks: Plotly's ticks fall between months, so each names its day
                fig.layout[axis].tickformat = "%Y-%m-%d"
                continue
            fig.layout[axis].tickformat = "%Y-%m"
            if fig.layout[axis].dtick is None:  # ticks a whole number of months apart: never "2026-01" twice
                months = days / 30.4
                fig.layout[axis].dtick = "M1" if months <= 12 else "M3" if months <= 36 else "M6" if months <= 72 else "M12"
    # An axis's category order names the same categories: escaped alike, or "R&D" and "R&amp;D" become two rows.
    fig.for_each_xaxis(lambda axis: axis.update(categoryarray=_escaped(axis.categoryarray)) if axis.categoryarray is not None else None)
    fig.for_each_yaxis(lambda axis: axis.update(categoryarray=_escaped(axis.categoryarray)) if axis.categoryarray is not None else None)
    return fig


def preload_charts() -> None:
    """An empty 1-pixel chart on the sign-in form: the browser loads and compiles Streamlit's 4.7 MB chart library
    while the person types, not after signing in (0.7-2.2 s of the first chart page, benchmarks/page_times_browser.py)."""
    import plotly.graph_objects as go
    import streamlit as st

    empty = go.Figure(layout={"height": 10, "width": 10, "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
                              "xaxis": {"visible": False}, "yaxis": {"visible": False}})
    with st.container(height=1, border=False):
        st.plotly_chart(empty, config={"staticPlot": True, "displayModeBar": False}, key="preload_charts")
