"""Where things live and what HR configured (config/talent.toml, mapping presets)."""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
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


@dataclass(frozen=True)
class PoolRules:
    """[pool_rules]: the source document's default rule for entering the talent pool (one default per value)."""
    top_performance_share: float = 0.15
    performance_scope: str = "company"  # or "department"
    require_management_experience: bool = True
    require_career_plan: bool = True


@dataclass(frozen=True)
class Organisation:
    """Where middle management sits: job levels from [model] management_level up to, not including,
    [organisation] executive_level; executives (that level and above, or a title matching one of
    executive_titles, '*' any text, case ignored) hold no middle-management seat."""
    management_level: int = 7
    executive_level: int | None = 9
    executive_titles: tuple[str, ...] = ()


MODEL_DEFAULTS = {
    "label": "into_management", "horizon_years": 1, "management_level": Organisation.management_level,
    "min_positive_labels": 20, "top_k_share": 0.05, "folds": 5, "protected": [],
    # Flight risk (models/flight_risk.py): the band of the calibrated chance of leaving voluntarily within 12 months,
    # by fixed cut-offs (not shares), so a band means the same chance in every department and after every training:
    # under flight_risk_medium low, from it medium, from flight_risk_high high. The defaults suit a yearly voluntary
    # turnover of about 3 % (the demo's): medium from about 1.5x, high from about 3x the average chance.
    "flight_risk_medium": 0.05, "flight_risk_high": 0.10,
    "flight_risk_min_exits": 20,  # fewer voluntary exits in the training snapshots: no flight-risk model
}
REVIEW_DEFAULTS = {
    "team_results_growth_for_full_score": 20.0, "proposals_for_full_score": 5,
    "adjust_below_plan_completion": 0.6, "accelerate_min_composite": 80.0,
    "promote_min_composite": 75.0, "promote_min_plan_completion": 0.8,
    "leave_below_composite": 50.0, "leave_below_plan_completion": 0.4,
    "promotion_window_months": 12, "self_assessment_days": 21,
}
# The calibration session's distribution guide (issue #16): 9-box box -> [lowest share, highest share] of the people
# on the grid; a box over or under its band is named on the calibration page. Boxes not listed have no guide.
CALIBRATION_DEFAULTS = {"future_leader": [0.10, 0.15], "talent_risk": [0.05, 0.10]}


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
    calibration: dict = field(default_factory=lambda: dict(CALIBRATION_DEFAULTS))
    analysis: dict = field(default_factory=dict)
    organisation: Organisation = field(default_factory=Organisation)

    @property
    def rules(self) -> PoolRules:
        """The pool rules, typed (the dict `pool_rules` holds the same values, defaults filled)."""
        return PoolRules(**{k: self.pool_rules[k] for k in PoolRules.__dataclass_fields__})

    @property
    def management_level(self) -> int:
        return self.organisation.management_level

    @property
    def promotion_window_months(self) -> int:
        return int(self.review["promotion_window_months"])

    def grade_points(self) -> dict[str, int]:
        """A > B+ > B > C > D becomes A=5 … D=1."""
        n = len(self.grades)
        return {g: n - i for i, g in enumerate(self.grades)}

    def grade_values_sql(self) -> str:
        """The grade scale as SQL VALUES rows, for `WITH grade_points(rating, points) AS (VALUES …)`."""
        return ", ".join(f"('{g.replace(chr(39), chr(39) * 2)}', {p})" for g, p in self.grade_points().items())


def into_management_sql(settings: Settings, promotion: str = "") -> str:
    """One definition of a promotion into management, for every table and chart: the export's
    `into_management` flag where it has one, else a to_level at or above [model] management_level."""
    p = f"{promotion}." if promotion else ""
    return f"coalesce({p}into_management, {p}to_level >= {settings.management_level}, false)"


# Why someone left, from the import's free-text exit_reason (lower case; a word found anywhere in the reason counts):
# - "company": the company ended it (capability mismatch, dismissal, misconduct, redundancy, end of contract);
# - "retirement": the person retired;
# - "voluntary": everything else, including no reason given (most exits are resignations, and an export without
#   reasons would otherwise teach the flight-risk model nothing).
# The flight-risk model learns voluntary leaving only; the other two kinds are neither leavers nor stayers there.
EXIT_KIND_WORDS = {
    "company": ("capability", "mismatch", "dismiss", "terminat", "fired", "misconduct", "performance", "redundan",
                "layoff", "laid off", "contract end", "end of contract", "辞退", "解雇", "开除", "不胜任", "能力不匹配",
                "裁员", "合同到期", "违纪"),
    "retirement": ("retire", "pension", "退休"),
}
EXIT_KINDS = ("voluntary", "company", "retirement")


def flight_risk_cutoffs(settings: Settings) -> dict[str, float]:
    """The flight-risk bands' lower edges ([model] flight_risk_medium, flight_risk_high), checked: 0 < medium < high < 1."""
    medium, high = float(settings.model["flight_risk_medium"]), float(settings.model["flight_risk_high"])
    if not 0 < medium < high < 1:
        raise ValueError(f"config: [model] flight_risk_medium ({medium}) must be above 0 and below flight_risk_high ({high}), "
                         "which must be below 1")
    return {"medium": medium, "high": high}


def exit_kind_sql(reason: str) -> str:
    """One definition of an exit's kind (EXIT_KIND_WORDS) from the exit_reason column `reason`."""
    def any_word(words):
        return " OR ".join(f"contains(lower(coalesce({reason}, '')), '{w}')" for w in words)
    return (f"CASE WHEN {any_word(EXIT_KIND_WORDS['company'])} THEN 'company' "
            f"WHEN {any_word(EXIT_KIND_WORDS['retirement'])} THEN 'retirement' ELSE 'voluntary' END")


# The age bands in reading order, youngest first; people with no age ('unknown' where a table names them) after them.
AGE_BANDS = ("<30", "30-39", "40-49", "50+")


def age_band_sql(age: str) -> str:
    """One definition of the age bands (AGE_BANDS), for every table that reports them."""
    return (f"CASE WHEN {age} IS NULL THEN NULL WHEN {age} < 30 THEN '{AGE_BANDS[0]}' WHEN {age} < 40 THEN '{AGE_BANDS[1]}' "
            f"WHEN {age} < 50 THEN '{AGE_BANDS[2]}' ELSE '{AGE_BANDS[3]}' END")


def config_path() -> Path:
    """TALENT_CONFIG, else config/talent.toml."""
    return Path(os.environ.get("TALENT_CONFIG") or CONFIG_FILE)


def load_settings(path: Path | None = None) -> Settings:
    path = Path(path or config_path())
    return _load_settings(path, path.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _load_settings(path: Path, mtime_ns: int) -> Settings:
    raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    grades = tuple(str(g).strip() for g in raw["rating_scale"]["grades"])
    if len(set(g.upper() for g in grades)) != len(grades) or not grades:
        raise ValueError(f"{path}: rating_scale.grades must be a non-empty list of distinct grades")
    fb, ps = raw.get("feedback_scale", {}), raw.get("performance_score", {})
    model = {**MODEL_DEFAULTS, "strict_min_grade": grades[1] if len(grades) > 1 else grades[0], **raw.get("model", {})}
    return Settings(
        grades=grades,
        feedback_min=float(fb.get("min", 1)),
        feedback_max=float(fb.get("max", 5)),
        score_min=float(ps.get("min", 0)),
        score_max=float(ps.get("max", 100)),
        pool_rules=_pool_rules(raw.get("pool_rules", {}), path),
        date_formats=tuple(raw.get("dates", {}).get("default_formats", ["%Y-%m-%d"])),
        model=model,
        assessment={"quantitative": 0.6, "qualitative": 0.4,
                    "quantitative_parts": {"performance": 0.5, "team_rating_improvement": 0.25, "projects_delivered": 0.25},
                    "qualitative_parts": {"leadership_360": 0.5, "strategic_thinking_360": 0.25, "collaboration_360": 0.25},
                    "departments": {}, **raw.get("assessment", {})},
        review={**REVIEW_DEFAULTS, **raw.get("review", {})},
        calibration={**CALIBRATION_DEFAULTS, **raw.get("calibration", {})},
        analysis={"as_of": "", **raw.get("analysis", {})},
        organisation=_organisation(model, raw.get("organisation", {}), path),
    )


def _pool_rules(raw: dict, path: Path) -> dict:
    rules = {**PoolRules().__dict__, **raw}
    if rules["performance_scope"] not in ("company", "department"):
        raise ValueError(f"{path}: pool_rules.performance_scope must be 'company' or 'department', not '{rules['performance_scope']}'")
    return rules


def _organisation(model: dict, raw: dict, path: Path) -> Organisation:
    level = int(model["management_level"])
    executive = raw.get("executive_level", Organisation.executive_level)
    if executive is not None and int(executive) <= level:
        raise ValueError(f"{path}: organisation.executive_level ({executive}) must be above model.management_level ({level})")
    titles = raw.get("executive_titles", Organisation.executive_titles)
    if isinstance(titles, str) or not all(isinstance(t, str) and t.strip() for t in titles):
        raise ValueError(f"{path}: organisation.executive_titles is a list of titles such as [\"Chief *\", \"Head of *\"]")
    return Organisation(level, None if executive is None else int(executive), tuple(t.strip() for t in titles))


DERIVATIONS = {
    # how: (what it makes, what it needs) — the closed, documented list (docs/import-format.md)
    "year": "a period '2025' from a date column",
    "half": "a period '2025-H1' from a date column",
    "quarter": "a period '2025-Q3' from a date column",
    "date": "a date from a date or timestamp column",
    "years_before": "a date N years before the reference date (default: the as-of date), N from a number column",
    "plus": "a number column plus `value`",
    "copy": "the value of another column",
}
DEFAULT_MISSING_VALUES = ("NA", "N/A", "null", "None", "#N/A", "-", "—", "无", "空")


@dataclass(frozen=True)
class RowFilter:
    column: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class EntityMapping:
    columns: dict[str, str] = field(default_factory=dict)  # source label -> canonical column
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # column -> {source: canonical}
    rescale: dict[str, tuple[float, float]] = field(default_factory=dict)  # column -> source (min, max)
    file_names: tuple[str, ...] = ()
    missing_values: dict[str, tuple[str, ...]] = field(default_factory=dict)  # column -> tokens (replaces the global list)
    defaults: dict[str, str] = field(default_factory=dict)  # column -> constant
    derive: dict[str, dict] = field(default_factory=dict)  # column -> {from, how, value?, reference?}
    attributes: dict[str, str] = field(default_factory=dict)  # source label -> attribute name
    only_rows_where: RowFilter | None = None
    skip_rows_where: RowFilter | None = None


@dataclass(frozen=True)
class Mapping:
    name: str
    date_formats: tuple[str, ...]
    entities: dict[str, EntityMapping]
    missing_values: tuple[str, ...] = DEFAULT_MISSING_VALUES
    as_of: date | None = None
    header_row: int = 1  # the row of the column labels in CSV and XLSX files (a title may stand above it)
    raw: dict = field(default_factory=dict, compare=False, hash=False)  # as written, for the mapping screen

    def for_entity(self, entity: str) -> EntityMapping:
        return self.entities.get(entity, EntityMapping())

    def __hash__(self) -> int:
        return hash((self.name, self.date_formats))


def available_presets() -> list[str]:
    return sorted(p.stem for p in MAPPINGS_DIR.glob("*.toml"))


def saved_mappings_dir(db_path: Path | None = None) -> Path:
    """Mappings saved from the app live beside the database, where the nightly cron finds them."""
    return Path(db_path or database_path()).parent / "mappings"


def saved_mappings(db_path: Path | None = None) -> list[str]:
    return sorted(p.stem for p in saved_mappings_dir(db_path).glob("*.toml"))


def _merge(base: dict, extra: dict) -> dict:
    out = dict(base)
    for k, v in extra.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _find_mapping(name: str, db_path: Path | None = None) -> Path | None:
    path = Path(name)
    if path.suffix == ".toml":
        return path if path.is_file() else None
    for folder in (MAPPINGS_DIR, saved_mappings_dir(db_path)):
        if (folder / f"{name}.toml").is_file():
            return folder / f"{name}.toml"
    return None


def _resolve_extends(raw: dict, seen: tuple[str, ...] = (), where: str = "mapping") -> dict:
    raw = dict(raw)
    parent = raw.pop("extends", None)
    if parent:
        if parent in seen:
            raise ValueError(f"{where}: mapping presets extend each other in a circle ({parent})")
        found = _find_mapping(parent)
        if found is None:
            raise ValueError(f"{where}: extends unknown mapping '{parent}'")
        raw = _merge(_resolve_extends(tomllib.loads(found.read_text(encoding="utf-8")), seen + (parent,), str(found)), raw)
    return raw


def _row_filter(spec, where: str) -> RowFilter | None:
    if spec is None:
        return None
    if not isinstance(spec, dict) or "column" not in spec or "values" not in spec:
        raise ValueError(f"{where}: a row filter is {{ column = \"…\", values = [\"…\"] }}")
    return RowFilter(str(spec["column"]).strip(), tuple(str(v).strip().lower() for v in spec["values"]))


def _header_row(value, where: str) -> int:
    if not isinstance(value, int) or not 1 <= value <= 100:
        raise ValueError(f"{where}: header_row is the spreadsheet row of the column labels, a whole number from 1 to 100")
    return value


def mapping_from_dict(raw: dict, name: str | None = None, where: str = "mapping") -> Mapping:
    """A mapping from its TOML structure (a file's, or the mapping screen's before it is saved)."""
    from .entities import ENTITIES

    written = raw
    if "extends" not in raw and raw.get("name", name) != "canonical":
        raw = {**raw, "extends": "canonical"}  # every mapping starts from the canonical one unless it says extends = ""
    raw = _resolve_extends(raw, where=where)
    unknown = set(raw) - set(ENTITIES) - {"name", "description", "date_formats", "missing_values", "as_of", "header_row"}
    if unknown:
        raise ValueError(f"{where}: unknown section(s) {sorted(unknown)}; entities are {list(ENTITIES)}")
    entities = {}
    for entity_name, entity in ENTITIES.items():
        section = raw.get(entity_name, {})
        known = {"columns", "values", "rescale", "file_names", "missing_values", "defaults", "derive", "attributes",
                 "only_rows_where", "skip_rows_where"}
        if extra := set(section) - known:
            raise ValueError(f"{where}: [{entity_name}] has unknown key(s) {sorted(extra)}; known: {sorted(known)}")
        derive = {}
        for col, spec in section.get("derive", {}).items():
            if col not in entity.column_names:
                raise ValueError(f"{where}: [{entity_name}.derive] '{col}' is not a column of {entity_name}")
            if not isinstance(spec, dict) or spec.get("how") not in DERIVATIONS or not spec.get("from"):
                raise ValueError(f"{where}: [{entity_name}.derive] {col} needs from = \"a column\" and how = one of {', '.join(DERIVATIONS)}")
            if spec["how"] == "plus" and not isinstance(spec.get("value"), (int, float)):
                raise ValueError(f"{where}: [{entity_name}.derive] {col}: how = \"plus\" needs a number value")
            derive[col] = dict(spec)
        for col in section.get("defaults", {}):
            if col not in entity.column_names:
                raise ValueError(f"{where}: [{entity_name}.defaults] '{col}' is not a column of {entity_name}")
        entities[entity_name] = EntityMapping(
            columns={str(k).strip(): v for k, v in section.get("columns", {}).items()},
            values={col: {str(k): str(v) for k, v in vals.items()} for col, vals in section.get("values", {}).items()},
            rescale={col: (float(spec["min"]), float(spec["max"])) for col, spec in section.get("rescale", {}).items()},
            file_names=tuple(section.get("file_names", ())),
            missing_values={col: tuple(str(v) for v in vals) for col, vals in section.get("missing_values", {}).items()},
            defaults={col: str(v) for col, v in section.get("defaults", {}).items()},
            derive=derive,
            attributes={str(k).strip(): str(v).strip() for k, v in section.get("attributes", {}).items()},
            only_rows_where=_row_filter(section.get("only_rows_where"), f"{where}: [{entity_name}] only_rows_where"),
            skip_rows_where=_row_filter(section.get("skip_rows_where"), f"{where}: [{entity_name}] skip_rows_where"),
        )
    settings = load_settings()
    formats = tuple(dict.fromkeys(list(raw.get("date_formats", [])) + list(settings.date_formats)))
    as_of = raw.get("as_of")
    if isinstance(as_of, str) and as_of.strip():
        as_of = date.fromisoformat(as_of.strip())
    return Mapping(
        name=str(name or raw.get("name") or "mapping"), date_formats=formats, entities=entities,
        missing_values=tuple(str(v) for v in raw.get("missing_values", DEFAULT_MISSING_VALUES)),
        as_of=as_of if isinstance(as_of, date) else None, header_row=_header_row(raw.get("header_row", 1), where), raw=written,
    )


@lru_cache(maxsize=16)
def _load_mapping_file(path: Path, mtime_ns: int, config_mtime_ns: int) -> Mapping:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    return mapping_from_dict(raw, raw.get("name", path.stem), where=str(path))


def load_mapping(preset_or_path: str | Mapping = "canonical", db_path: Path | None = None) -> Mapping:
    """A preset (pipelines/mappings/NAME.toml), a mapping saved beside the database, or a .toml path."""
    if isinstance(preset_or_path, Mapping):
        return preset_or_path
    path = _find_mapping(str(preset_or_path), db_path)
    if path is None:
        saved = saved_mappings(db_path)
        raise ValueError(
            f"unknown mapping '{preset_or_path}' (presets: {', '.join(available_presets())}"
            + (f"; saved: {', '.join(saved)}" if saved else "") + "; or give the path of a .toml mapping file)"
        )
    path = path.resolve()
    return _load_mapping_file(path, path.stat().st_mtime_ns, config_path().stat().st_mtime_ns)


def save_mapping(raw: dict, name: str, db_path: Path | None = None) -> Path:
    """Write a mapping built in the app as TOML beside the database (the same format as the presets)."""
    import tomlkit

    clean = re.sub(r"[^\w\-]+", "-", name.strip(), flags=re.UNICODE).strip("-")
    if not clean:
        raise ValueError("give the mapping a name (letters, digits, - or _)")
    if clean in available_presets():
        raise ValueError(f"'{clean}' is the name of a shipped preset; choose another name")
    body = {**raw, "name": clean}
    mapping_from_dict(body, clean)  # never save a mapping that does not load
    folder = saved_mappings_dir(db_path)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{clean}.toml"
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text("# Saved from the Data page's mapping screen; the same format as pipelines/mappings/*.toml.\n"
                   + tomlkit.dumps(body), encoding="utf-8")
    os.replace(tmp, target)
    return target


def resolve_as_of(explicit: date | None = None, mapping: Mapping | None = None, settings: Settings | None = None) -> date:
    """The date the analysis describes: --as-of, else the mapping's, else config [analysis] as_of, else today."""
    if explicit:
        return explicit
    if mapping is not None and mapping.as_of:
        return mapping.as_of
    configured = str((settings or load_settings()).analysis.get("as_of") or "").strip()
    return date.fromisoformat(configured) if configured else date.today()
