"""Small-group suppression, defined once: every aggregate view (trends, overview) asks here what it may show.

The rule, `suppress`:
1. A part (the finest count a view is built from: one department's cell) of 1 to MIN_GROUP - 1 people is hidden.
2. Within a line (parts that add up to a total the user can see, e.g. one department's women and men), while
   exactly one part is hidden, or the hidden parts add up to fewer than MIN_GROUP people, the smallest
   visible part is hidden too, so subtracting the visible parts from the total never gives a small group.
3. A figure summed from parts (all departments, or all of a head's) is hidden when any of its parts is.
   A shown sum is then a sum of shown parts, and a hidden one stays hidden: comparing "all departments"
   with one department (or with any other filter built from the same parts) reveals nothing the parts
   do not show.

`small_groups` applies 1 and 2 to whole groups (e.g. departments by headcount), for views where a
department's figures are shown or hidden as a whole and the total over all departments stays exact:
what a difference can reveal is then the hidden departments together, never fewer than MIN_GROUP people.
"""
from __future__ import annotations

import polars as pl

MIN_GROUP = 5  # groups of fewer people are never shown


def _hidden(counts: list[int], forced: list[bool] | None = None) -> list[bool]:
    """Rules 1 and 2 on one line's counts; `forced` parts are hidden whatever their size."""
    hidden = [0 < c < MIN_GROUP or bool(forced and forced[i]) for i, c in enumerate(counts)]
    while True:
        shown = [i for i, c in enumerate(counts) if not hidden[i] and c > 0]
        n_hidden = sum(1 for i, c in enumerate(counts) if hidden[i] and c > 0)
        total_hidden = sum(c for i, c in enumerate(counts) if hidden[i])
        if n_hidden == 0 or not shown or (n_hidden >= 2 and total_hidden >= MIN_GROUP):
            return hidden
        hidden[min(shown, key=lambda i: (counts[i], i))] = True


def suppress(parts: pl.DataFrame, line: list[str], by: list[str], count: str = "people") -> pl.DataFrame:
    """Sum `parts` (one row per line and value, with `count`) by the columns `by`; the sum is null where any
    of its parts is hidden (rules 1-3). Rows keep the order of their first part."""
    if parts.height == 0:
        return parts.select(*by, pl.col(count))
    parts = parts.with_row_index("_order")
    flags = []
    for _, group in parts.group_by(line, maintain_order=True):
        flags.append(group.select("_order").with_columns(pl.Series("_hidden", _hidden(group[count].to_list()), pl.Boolean)))
    marked = parts.join(pl.concat(flags), on="_order")
    return marked.group_by(by, maintain_order=True).agg(
        pl.when(pl.col("_hidden").any()).then(None).otherwise(pl.col(count).sum()).alias(count),
    )


def small_groups(sizes: dict[str, int], also: set[str] = frozenset()) -> set[str]:
    """The groups (e.g. departments by headcount) whose figures are hidden: rules 1 and 2 across the groups,
    starting from `also` (groups hidden for another reason, e.g. by headcount when sizes are one year's ratings)."""
    names = sorted(sizes)
    counts = [int(sizes[n] or 0) for n in names]
    return {name for name, hide in zip(names, _hidden(counts, [n in also for n in names])) if hide}
