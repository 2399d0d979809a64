"""Where things live and what HR configured (config/talent.toml, mapping presets)."""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CONFIG_FILE = PROJECT_ROOT / "config" / "talent.toml"
MAPPINGS_DIR = Path(__file__).resolve().parent / "mappings"
DEFAULT_DB = PROJECT_ROOT / "data" / "talent.duckdb"


def database_path(cli_value: str | os.PathLike | None = None) -> Path:
    """--db wins over TALENT_DB, which wins over data/talent.duckdb."""
    chosen = cli_value or os.environ.get("TALENT_DB") or DEFAULT_DB
    return Path(chosen).expanduser().resolve()


REVIEW_DEFAULTS = {
    "team_results_growth_for_full_score": 20.0, "proposals_for_full_score": 5,
    "adjust_below_plan_completion": 0.6, "accelerate_min_composite": 80.0,
    "promote_min_composite": 75.0, "promote_min_plan_completion": 0.8,
    "leave_below_composite": 50.0, "leave_below_plan_completion": 0.4,
    "promotion_window_months": 12,
}


@dataclass(frozen=True)
class Settings:
    grades: tuple[str, ...]
    feedback_min: float
    feedback_max: float
    score_min: float
    score_max: float
    pool_rules: dict
    date_formats: tuple[str, ...]
    model: dict
    assessment: dict
    review: dict = field(default_factory=dict)

    def grade_points(self) -> dict[str, int]:
        """A > B+ > B > C > D becomes A=5 … D=1."""
        n = len(self.grades)
        return {g: n - i for i, g in enumerate(self.grades)}

    def grade_values_sql(self) -> str:
        """The grade scale as SQL VALUES rows, for `WITH grade_points(rating, points) AS (VALUES …)`."""
        return ", ".join(f"('{g.replace(chr(39), chr(39) * 2)}', {p})" for g, p in self.grade_points().items())


def age_band_sql(age: str) -> str:
    """One definition of the age bands, for every table that reports them."""
    return (f"CASE WHEN {age} IS NULL THEN NULL WHEN {age} < 30 THEN '<30' WHEN {age} < 40 THEN '30-39' "
            f"WHEN {age} < 50 THEN '40-49' ELSE '50+' END")


def config_path() -> Path:
    """TALENT_CONFIG, else config/talent.toml."""
    return Path(os.environ.get("TALENT_CONFIG") or CONFIG_FILE)


def load_settings(path: Path | None = None) -> Settings:
    path = Path(path or config_path())
    return _load_settings(path, path.stat().st_mtime_ns)


def save_pool_rules(rules: dict, path: Path | None = None) -> None:
    """Rewrite the [pool_rules] section of the config file, leaving the rest as it is."""
    path = Path(path or config_path())
    share = float(rules["top_performance_share"])
    if not 0 < share <= 1:
        raise ValueError("the top performance share must be between 0 and 1")
    if rules["performance_scope"] not in ("company", "department"):
        raise ValueError("the performance scope is 'company' or 'department'")
    block = (
        "[pool_rules]\n"
        "# The source document's default rule for entering the talent pool (editable in the app).\n"
        f"top_performance_share = {share:g}\n"
        f'performance_scope = "{rules["performance_scope"]}"\n'
        f"require_management_experience = {str(bool(rules['require_management_experience'])).lower()}\n"
        f"require_career_plan = {str(bool(rules['require_career_plan'])).lower()}\n"
    )
    text = path.read_text(encoding="utf-8")
    new = re.sub(r"(?ms)^\[pool_rules\]\n.*?(?=^\[|\Z)", block + "\n", text, count=1)
    tomllib.loads(new)  # never write a file that does not parse
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(new, encoding="utf-8")
    os.replace(tmp, path)


@lru_cache(maxsize=8)
def _load_settings(path: Path, mtime_ns: int) -> Settings:
    raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    grades = tuple(str(g).strip() for g in raw["rating_scale"]["grades"])
    if len(set(g.upper() for g in grades)) != len(grades) or not grades:
        raise ValueError(f"{path}: rating_scale.grades must be a non-empty list of distinct grades")
    fb, ps = raw.get("feedback_scale", {}), raw.get("performance_score", {})
    return Settings(
        grades=grades,
        feedback_min=float(fb.get("min", 1)),
        feedback_max=float(fb.get("max", 5)),
        score_min=float(ps.get("min", 0)),
        score_max=float(ps.get("max", 100)),
        pool_rules=dict(raw.get("pool_rules", {})),
        date_formats=tuple(raw.get("dates", {}).get("default_formats", ["%Y-%m-%d"])),
        model={"horizon_years": 1, "management_level": 7, "strict_min_grade": grades[1] if len(grades) > 1 else grades[0],
               "min_positive_labels": 20, "top_k_share": 0.05, **raw.get("model", {})},
        assessment={"quantitative": 0.6, "qualitative": 0.4,
                    "quantitative_parts": {"performance": 0.5, "team_rating_improvement": 0.25, "projects_delivered": 0.25},
                    "qualitative_parts": {"leadership_360": 0.5, "strategic_thinking_360": 0.25, "collaboration_360": 0.25},
                    "departments": {}, **raw.get("assessment", {})},
        review={**REVIEW_DEFAULTS, **raw.get("review", {})},
    )


@dataclass(frozen=True)
class EntityMapping:
    columns: dict[str, str] = field(default_factory=dict)  # source label -> canonical column
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # column -> {source: canonical}
    rescale: dict[str, tuple[float, float]] = field(default_factory=dict)  # column -> source (min, max)
    file_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Mapping:
    name: str
    date_formats: tuple[str, ...]
    entities: dict[str, EntityMapping]

    def for_entity(self, entity: str) -> EntityMapping:
        return self.entities.get(entity, EntityMapping())


def available_presets() -> list[str]:
    return sorted(p.stem for p in MAPPINGS_DIR.glob("*.toml"))


def _merge(base: dict, extra: dict) -> dict:
    out = dict(base)
    for k, v in extra.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _read_mapping_toml(path: Path, seen: tuple[str, ...] = ()) -> dict:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    parent = raw.pop("extends", None)
    if parent:
        if parent in seen:
            raise ValueError(f"{path}: mapping presets extend each other in a circle ({parent})")
        raw = _merge(_read_mapping_toml(MAPPINGS_DIR / f"{parent}.toml", seen + (parent,)), raw)
    return raw


@lru_cache(maxsize=16)
def load_mapping(preset_or_path: str = "canonical") -> Mapping:
    """A preset name (pipelines/mappings/NAME.toml) or the path of a mapping file."""
    from .entities import ENTITIES

    path = Path(preset_or_path)
    if path.suffix != ".toml":
        path = MAPPINGS_DIR / f"{preset_or_path}.toml"
    if not path.is_file():
        raise ValueError(
            f"unknown mapping preset '{preset_or_path}' (presets: {', '.join(available_presets())}; "
            "or give the path of a .toml mapping file)"
        )
    raw = _read_mapping_toml(path)
    entities = {}
    for name in ENTITIES:
        section = raw.get(name, {})
        rescale = {
            col: (float(spec["min"]), float(spec["max"])) for col, spec in section.get("rescale", {}).items()
        }
        entities[name] = EntityMapping(
            columns={str(k).strip(): v for k, v in section.get("columns", {}).items()},
            values={col: {str(k): str(v) for k, v in vals.items()} for col, vals in section.get("values", {}).items()},
            rescale=rescale,
            file_names=tuple(section.get("file_names", ())),
        )
    unknown = set(raw) - set(ENTITIES) - {"name", "description", "date_formats"}
    if unknown:
        raise ValueError(f"{path}: unknown section(s) {sorted(unknown)}; entities are {list(ENTITIES)}")
    settings = load_settings()
    formats = tuple(dict.fromkeys(list(raw.get("date_formats", [])) + list(settings.date_formats)))
    return Mapping(name=raw.get("name", path.stem), date_formats=formats, entities=entities)
