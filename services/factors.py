"""A model's reasons for one person, in words: the one wording the profile, the talent card and the flight-risk reads
share. Both models write per person the factors JSON of models.scoring.explain: the inputs that move the score most,
strongest first, each with its value, its percentile among everyone scored and its contribution (log-odds)."""
from __future__ import annotations

import json

import polars as pl

from models.labels import feature_label

from .i18n import t

__all__ = ["FACTOR_SCHEMA", "SHOWN", "lines", "up_and_down"]

FACTOR_SCHEMA = {"feature": pl.String, "value": pl.String, "percentile": pl.Float64, "contribution": pl.Float64}
SHOWN = 3  # reasons shown each way (raising, lowering)


def _value(value: str | None) -> str:
    """A factor's value as people read it: a number with at most two decimals, a text as it is, a missing one as a dash."""
    if value is None:
        return "–"
    try:
        return f"{float(value):.2f}".rstrip("0").rstrip(".")
    except ValueError:
        return value


def lines(factors: str | None, language: str | None = None) -> pl.DataFrame:
    """feature, contribution and `line` of each factor, strongest first: the input, its value and where it stands
    ("Job level: 5 (top 12 %)"), in `language`, else the reader's."""
    def say(key: str, **values) -> str:
        return t(key, language, **values)

    frame = pl.DataFrame(json.loads(factors) if factors else [], schema=FACTOR_SCHEMA)
    said = []
    for f in frame.to_dicts():  # six factors at most: each one a catalogue sentence
        pct = f["percentile"]
        where = "" if pct is None else say("profile.top_pct", pct=max(1, round(100 * (1 - pct)))) if pct >= 0.5 \
            else say("profile.bottom_pct", pct=max(1, round(100 * pct)))
        said.append(say("profile.factor_line", feature=feature_label(f["feature"], say), value=_value(f["value"]), where=where)
                    .replace(" ()", "").replace("（）", ""))  # no position (a text input): no empty brackets
    return frame.select("feature", "contribution").with_columns(pl.Series("line", said, dtype=pl.String))


def up_and_down(factors: str | None, language: str | None = None, top: int = SHOWN) -> dict[str, list[str]]:
    """The reasons in words that raise the score (`up`) and that lower it (`down`), the strongest `top` of each."""
    said = lines(factors, language)
    return {"up": said.filter(pl.col("contribution") > 0).head(top)["line"].to_list(),
            "down": said.filter(pl.col("contribution") < 0).head(top)["line"].to_list()}
