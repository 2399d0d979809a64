"""The composite assessment score against a hand-checked example."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.assessment import department_weights
from pipelines.settings import load_settings
from tests.conftest import rows


def test_composite_scores_are_hand_checked(loaded_db: Path) -> None:
    got = {r[0]: r[1:] for r in rows(loaded_db, """SELECT employee_id, performance, team_rating_improvement, projects_delivered,
                                                   leadership_360, quantitative_score, qualitative_score, composite_score, quantitative_weight
                                                   FROM analysis_assessment ORDER BY employee_id""")}
    # 0001 (Sales head): score 88; its report 0002 went B+ -> A (+1 grade = 100); no 360, so the
    # composite is the quantitative part alone: (88*0.5 + 100*0.25) / 0.75 = 92.0.
    assert got["0001"][:2] == (88.0, 100.0) and got["0001"][2:4] == (None, None)
    assert got["0001"][4] == pytest.approx(92.0) and got["0001"][5] is None and got["0001"][6] == 92.0
    # 0002 (Sales lead): score 93; led P-001, finished (100); 360 leadership from manager 5 and report 4
    # = 4.5 on 1-5 = 87.5. Quantitative (93*0.5 + 100*0.25) / 0.75 = 95.33; Sales weighs it 70 %:
    # 0.7 * 95.33 + 0.3 * 87.5 = 92.98.
    assert got["0002"][:4] == (93.0, None, 100.0, 87.5)
    assert got["0002"][4] == pytest.approx(95.3333, abs=1e-3) and got["0002"][5] == pytest.approx(87.5)
    assert got["0002"][6] == 93.0 and got["0002"][7] == 0.7
    # Leavers are not assessed.
    assert "0004" not in got


def test_department_overrides_apply() -> None:
    weights = {r["department"]: r for r in department_weights(load_settings(), ["R&D", "Sales", "Finance"]).to_dicts()}
    assert (weights["Sales"]["w_quantitative"], weights["Sales"]["w_qualitative"]) == (0.7, 0.3)
    assert (weights["R&D"]["w_strategic_thinking_360"], weights["R&D"]["w_leadership_360"]) == (0.5, 0.3)
    assert weights["Finance"] == {**weights["*"], "department": "Finance"}
