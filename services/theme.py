"""One colour scheme for every chart."""
from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

PRIMARY = "#1F5A96"
ACCENT = "#E07B39"
MUTED = "#9AA9B8"
# Blues and oranges alternate so that neighbouring categories stay apart.
SEQUENCE = ["#1F5A96", "#E07B39", "#6FA3D6", "#C04F2A", "#0B3C6E", "#E0A15A"]
GRADE_COLOURS = ["#0B3C6E", "#1F5A96", "#6FA3D6", "#E0A15A", "#C04F2A", "#7A2E1A", "#555555"]

pio.templates["talent"] = go.layout.Template(
    layout=go.Layout(
        colorway=SEQUENCE,
        font=dict(family="Inter, 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif", size=13),
        margin=dict(l=10, r=10, t=40, b=10),
        plot_bgcolor="white",
        xaxis=dict(gridcolor="#E6EBF0"),
        yaxis=dict(gridcolor="#E6EBF0"),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
    )
)
TEMPLATE = "plotly_white+talent"


def grade_colours(grades: list[str]) -> dict[str, str]:
    return {g: GRADE_COLOURS[min(i, len(GRADE_COLOURS) - 1)] for i, g in enumerate(grades)}
