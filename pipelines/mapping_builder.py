"""Suggest a mapping for one export file, for the Data page's mapping screen (plain Python, no Streamlit).

What it does, in the order the screen asks:
1. `read_export` reads the file as text; `guess_entity` says which kind of data it holds (file name and headers).
2. `suggest_columns` proposes, for each target column of the entity, a source column (by header name in English
   and Chinese, then by content: dates, ids of known employees, a small set of labels), or a derivation
   (age → birth date, years of service → hire date, a review date → period, …). `options_for` lists what
   the screen offers for a column; `unresolved_required` names required columns that still have no choice.
3. `unmatched_values` lists, for each enumeration column (gender, status, rating, rater relation, role,
   category, provider, yes/no …), the distinct source values that match no canonical value; `suggest_value`
   proposes one for each.
4. `build_mapping` turns the choices into the mapping dict of mapping format v2 (docs/import-format.md), which
   pipelines.settings.mapping_from_dict reads and save_mapping writes beside the database.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping as AnyMapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from .entities import ENTITIES
from .map_columns import _clean, _snake as snake
from .settings import DEFAULT_MISSING_VALUES
from .validate import FALSE_WORDS, TRUE_WORDS

MISSING_TOKENS = DEFAULT_MISSING_VALUES  # cells that mean "missing" unless the base mapping says otherwise
BASE_PRESET = "canonical"
MISSING = ""  # a source value mapped to "" is missing

# Derivations the mapping format offers (mapping format v2, [ENTITY.derive]), by the kind of target column.
DERIVATIONS: dict[str, tuple[str, ...]] = {
    "period": ("year", "half", "quarter"),
    "date": ("years_before", "date"),
    "int": ("plus", "copy"),
    "id": ("copy",),
    "text": ("copy",),
}
ENUM_KINDS = ("enum", "rating", "bool")


def norm(label: object) -> str:
    """A header or value reduced to what identifies it: lower case, no spaces or punctuation."""
    return re.sub(r"[\s_\-./()（）:：#?？%&'\"’·,，、]+", "", str(label)).lower()


# ---------------------------------------------------------------------------------------------
# Header names, English and Chinese. Per column name (any entity), then per entity where a name
# means something else there (a certification's name, a project's role).
# ---------------------------------------------------------------------------------------------
SYNONYMS: dict[str, tuple[str, ...]] = {
    "employee_id": ("Employee ID", "EmployeeID", "Employee Number", "EmployeeNumber", "Employee No", "Emp No", "Emp ID", "EmpID",
                    "Emp Number", "Staff No", "Staff ID", "Staff Number", "Personnel Number", "Person ID", "Worker ID", "User ID",
                    "Associate ID", "Badge ID", "ID", "工号", "员工编号", "员工工号", "员工ID", "人员编号", "职工号", "员工号", "用户ID"),
    "name": ("Name", "Full Name", "Employee Name", "Staff Name", "Display Name", "姓名", "员工姓名", "名字"),
    "department": ("Department", "Dept", "Department Name", "Division", "Business Unit", "Org Unit", "Organisation", "Organization",
                   "部门", "主部门", "所属部门", "部门名称", "一级部门"),
    "position": ("Position", "Job Title", "Title", "Job Role", "JobRole", "Designation", "Job Name", "职位", "岗位", "职务", "岗位名称"),
    "job_level": ("Job Level", "JobLevel", "Level", "Grade Level", "Band", "Job Grade", "职级", "岗位职级", "级别", "职等"),
    "manager_id": ("Manager ID", "ManagerID", "Manager Number", "Manager No", "Manager Emp No", "Supervisor ID", "Reports To",
                   "Line Manager ID", "Line Manager", "直属主管", "直属主管ID", "直属主管工号", "上级工号", "直属上级", "汇报对象"),
    "hire_date": ("Hire Date", "Date of Hire", "DateofHire", "Hired On", "Date of Joining", "Joining Date", "Join Date",
                  "Original Hire Date", "Employment Date", "入职时间", "入职日期", "到岗日期"),
    "birth_date": ("Date of Birth", "DOB", "Birth Date", "Birthdate", "Birthday", "出生日期", "生日", "出生年月"),
    "gender": ("Gender", "Sex", "性别"),
    "location": ("Location", "Office", "City", "Work Location", "Work Site", "Site", "办公地点", "工作地点", "工作城市", "城市"),
    "status": ("Status", "Employment Status", "EmploymentStatus", "Employee Status", "Emp Status", "员工状态", "在职状态", "状态"),
    "exit_date": ("Exit Date", "Termination Date", "DateofTermination", "Date of Termination", "Leaving Date", "Last Working Day",
                  "Separation Date", "离职时间", "离职日期"),
    "exit_reason": ("Exit Reason", "Termination Reason", "TermReason", "Reason for Leaving", "Separation Reason", "离职原因"),
    "period": ("Period", "Review Period", "Rating Period", "Appraisal Period", "Year", "Review Year", "Appraisal Year",
               "考核周期", "绩效周期", "考核期间", "考核年度", "年度"),
    "rating": ("Rating", "Performance Rating", "PerformanceRating", "Performance Grade", "Performance Score", "PerformanceScore",
               "Grade", "Appraisal Rating", "Rating Grade", "绩效等级", "考核等级", "绩效结果", "考核结果", "绩效评级"),
    "score": ("Score", "Points", "Result Score", "分数", "得分", "成绩", "绩效分数", "考核分数"),
    "course_id": ("Course ID", "CourseID", "Course Code", "Course No", "Training ID", "课程编号", "课程代码", "课程ID"),
    "course_name": ("Course", "Course Name", "Course Title", "Training", "Training Name", "Training Title", "Programme", "Program",
                    "课程名称", "课程", "培训名称", "培训课程"),
    "category": ("Category", "Course Category", "Training Type", "Type", "课程类别", "课程分类", "培训类别", "类别"),
    "provider": ("Provider", "Delivery", "Internal/External", "Training Provider", "Source", "培训方式", "培训来源", "内外部"),
    "hours": ("Hours", "Duration", "Duration (hours)", "Training Hours", "Credit Hours", "学时", "时长", "培训时长"),
    "start_date": ("Start Date", "Start", "Begin Date", "From", "开始日期", "开始时间"),
    "completion_date": ("Completion Date", "Completed On", "Date Completed", "Finish Date", "End Date", "完成日期", "完成时间", "结业日期"),
    "issued_date": ("Issued Date", "Issue Date", "Date Issued", "Issued On", "Obtained", "Date Obtained", "Certification Date",
                    "颁发日期", "发证日期", "获得日期", "取证日期"),
    "expiry_date": ("Expiry Date", "Expiration Date", "Expires", "Valid Until", "Expiry", "有效期至", "到期日期", "失效日期"),
    "cycle": ("Cycle", "Survey Cycle", "Review Cycle", "Feedback Cycle", "Survey Year", "评估周期", "调研周期", "周期"),
    "rater_id": ("Rater ID", "RaterID", "Rater", "Rater No", "Reviewer ID", "Reviewer", "Assessor ID", "评价人", "评价人工号", "评估人工号", "评分人"),
    "rater_relation": ("Rater Relation", "Relation", "Relationship", "Rater Type", "Rater Role", "Reviewer Type", "Relationship to Ratee",
                       "评价关系", "评估关系", "关系", "评价人类型"),
    "competency": ("Competency", "Competence", "Dimension", "Question", "Item", "Skill Area", "能力项", "胜任力", "评价维度", "维度", "题目"),
    "comment": ("Comment", "Comments", "Remarks", "Feedback", "Free Text", "Notes", "评语", "备注", "意见"),
    "project_id": ("Project ID", "ProjectID", "Project Code", "Project No", "项目编号", "项目代码", "项目ID"),
    "project_name": ("Project", "Project Name", "Project Title", "项目名称", "项目"),
    "team_size": ("Team Size", "TeamSize", "Team Members", "Headcount", "团队人数", "团队规模", "项目人数"),
    "cross_department": ("Cross Department", "Cross-Department", "Cross Functional", "Cross-functional", "Is Cross Department",
                         "跨部门", "是否跨部门"),
    "end_date": ("End Date", "Finish Date", "Completed On", "结束日期", "结束时间"),
    "skills": ("Skills", "Skill", "Skill Set", "Expertise", "技能", "专业技能", "技能标签"),
    "career_aspiration": ("Career Aspiration", "Aspiration", "Career Goal", "Career Interest", "Career Track", "职业意向", "发展意向", "职业发展方向"),
    "career_plan_submitted": ("Career Plan Submitted", "Career Plan", "Plan Submitted", "Has Career Plan", "职业规划", "已提交职业规划", "是否提交职业规划"),
    "updated_at": ("Updated At", "Last Updated", "Updated", "Last Modified", "Modified", "更新时间", "更新日期", "最后更新"),
    "effective_date": ("Effective Date", "Promotion Date", "Date of Promotion", "Effective From", "晋升日期", "生效日期", "晋升时间"),
    "from_level": ("From Level", "Previous Level", "Old Level", "Level Before", "Current Level", "原职级", "晋升前职级"),
    "to_level": ("To Level", "New Level", "Level After", "Promoted Level", "新职级", "晋升后职级"),
    "to_position": ("To Position", "New Position", "New Title", "New Job Title", "Promoted To", "新职位", "晋升后职位", "晋升职位"),
    "into_management": ("Into Management", "Management Promotion", "Is Management", "Manager Role", "进入管理层", "是否管理岗", "管理岗"),
    "attribute": ("Attribute", "Metric", "Measure", "Indicator", "指标", "属性"),
    "value": ("Value", "Metric Value", "数值", "值"),
}
ENTITY_SYNONYMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("certifications", "name"): ("Certification", "Certificate", "Certification Name", "Certificate Name", "Licence", "License",
                                 "Qualification", "证书", "证书名称", "资格证书", "认证名称"),
    ("certifications", "issued_date"): ("Date", "Issue", "日期"),
    ("projects", "role"): ("Role", "Project Role", "Role in Project", "Position in Project", "项目角色", "角色", "担任角色"),
    ("training_records", "status"): ("Completion Status", "Training Status", "Result", "完成状态", "培训状态", "学习状态"),
    ("feedback_360", "score"): ("Rating", "Rating Score", "Mark", "评分", "打分"),
    ("performance_ratings", "period"): ("Cycle", "Review Cycle"),
}
# Source columns that hold the fact another way, and the derivation that recovers it.
DERIVED_SYNONYMS: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {
    ("employees", "birth_date"): ("years_before", ("Age", "Age (years)", "Current Age", "年龄", "年纪")),
    ("employees", "hire_date"): ("years_before", ("YearsAtCompany", "Years at Company", "Years of Service", "Service Years", "Tenure",
                                                  "Tenure (years)", "Length of Service", "LengthOfService", "司龄", "工龄", "本公司工龄")),
    ("performance_ratings", "period"): ("year", ("Review Date", "Appraisal Date", "Rating Date", "Evaluation Date", "Date",
                                                 "考核日期", "评估日期", "评定日期")),
    ("feedback_360", "cycle"): ("year", ("Timestamp", "Submitted At", "Submission Date", "Survey Date", "Date", "Completed At",
                                         "提交时间", "填写时间", "评估日期")),
}
# Words in file names that say which data a file holds (checked as substrings of the lower-cased name).
FILE_HINTS: dict[str, tuple[str, ...]] = {
    "employees": ("employee", "roster", "staff", "people", "personnel", "headcount", "workforce", "hrdataset", "attrition",
                  "花名册", "员工", "人员", "在职"),
    "performance_ratings": ("rating", "performance", "appraisal", "evaluation", "绩效", "考核"),
    "training_records": ("training", "course", "learning", "培训", "课程", "学习"),
    "certifications": ("certif", "licen", "qualification", "证书", "资格"),
    "feedback_360": ("360", "feedback", "survey", "反馈", "评估", "调研"),
    "projects": ("project", "项目"),
    "profiles": ("profile", "aspiration", "self_service", "selfservice", "档案", "个人资料", "自助"),
    "promotions": ("promotion", "promoted", "晋升"),
    "employee_attributes": ("attribute", "metric", "指标"),
}

# Source values of enumerations, English and Chinese, as a person would write them (normalised with norm()).
# Ratings are given by position on the configured scale: 0 = best, -1 = worst.
VALUE_LABELS: dict[str, dict[str, tuple[str, ...]]] = {
    "gender": {
        "male": ("m", "male", "man", "men", "男", "男性", "先生"),
        "female": ("f", "female", "woman", "women", "女", "女性", "女士"),
        "other": ("other", "diverse", "nonbinary", "x", "d", "其他"),
    },
    "employees.status": {
        "active": ("active", "current", "employed", "working", "onleave", "leaveofabsence", "在职", "正式", "试用", "试用期", "待离职", "在岗"),
        "left": ("left", "leaver", "terminated", "voluntarilyterminated", "terminatedforcause", "resigned", "retired", "inactive",
                 "former", "exited", "离职", "已离职", "退休", "辞职"),
    },
    "training_records.status": {
        "completed": ("completed", "complete", "done", "finished", "passed", "pass", "attended", "已完成", "完成", "通过", "已结业"),
        "in_progress": ("inprogress", "ongoing", "started", "enrolled", "registered", "进行中", "学习中", "未完成"),
        "dropped": ("dropped", "cancelled", "canceled", "withdrawn", "failed", "noshow", "已放弃", "放弃", "取消", "未通过"),
    },
    "rater_relation": {
        "self": ("self", "selfassessment", "selfreview", "myself", "自评", "本人", "自己"),
        "manager": ("manager", "supervisor", "linemanager", "boss", "directmanager", "leader", "上级", "主管", "领导", "直属上级"),
        "peer": ("peer", "peers", "colleague", "coworker", "teammate", "同事", "平级", "同级"),
        "direct_report": ("directreport", "directreports", "report", "subordinate", "teammember", "下级", "下属", "直接下属"),
    },
    "role": {
        "lead": ("lead", "leader", "projectlead", "projectleader", "projectmanager", "owner", "pm", "manager", "负责人", "项目经理", "组长", "牵头人"),
        "member": ("member", "teammember", "contributor", "participant", "成员", "组员", "参与", "参与者"),
    },
    "category": {
        "leadership": ("leadership", "leading", "领导力"),
        "management": ("management", "managerial", "管理", "管理类"),
        "technical": ("technical", "tech", "technology", "professional", "skills", "技术", "技术类", "专业", "专业类"),
        "compliance": ("compliance", "mandatory", "legal", "safety", "合规", "安全"),
        "other": ("other", "misc", "general", "其他", "通用"),
    },
    "provider": {
        "internal": ("internal", "inhouse", "in-house", "company", "内部", "内训", "公司内部"),
        "external": ("external", "vendor", "thirdparty", "outside", "外部", "外训", "外部机构"),
    },
    "career_aspiration": {
        "management": ("management", "manager", "managementtrack", "管理", "管理方向"),
        "specialist": ("specialist", "expert", "technical", "professional", "专业", "专家", "专业方向", "技术方向"),
        "undecided": ("undecided", "unsure", "notsure", "unknown", "未定", "不确定", "待定"),
    },
    "rating": {
        "0": ("outstanding", "excellent", "exceeds", "exceedsexpectations", "exceptional", "优秀", "卓越", "优"),
        "1": ("verygood", "good", "strong", "良好", "良"),
        "2": ("meets", "fullymeets", "meetsexpectations", "solid", "合格", "称职", "达标", "中"),
        "-2": ("partiallymeets", "needsimprovement", "belowexpectations", "developing", "待改进", "基本合格", "基本称职", "需改进"),
        "-1": ("unsatisfactory", "poor", "pip", "fails", "doesnotmeet", "不合格", "不称职", "差"),
    },
    "bool": {
        "true": ("yes", "y", "true", "1", "是", "有", "promoted", "done", "submitted", "已提交", "✓", "√"),
        "false": ("no", "n", "false", "0", "否", "没有", "notpromoted", "notsubmitted", "未提交", "×"),
    },
}

DATE_PATTERNS = (
    r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?$",
    r"^\d{1,2}[-/.]\d{1,2}[-/.](\d{2}|\d{4})([ T]\d{1,2}:\d{2}(:\d{2})?)?$",
    r"^\d{4}年\d{1,2}月\d{1,2}日$",
)
# Formats a date column may use; the canonical preset reads the ISO-like ones already.
CANDIDATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y", "%m-%d-%Y",
                     "%d-%m-%Y", "%m/%d/%y", "%d/%m/%y", "%d.%m.%y")
PERIOD_PATTERN = r"^(19[5-9]\d|20\d\d)([-\s/_]?(H[12]|Q[1-4]))?$"


@dataclass(frozen=True)
class Choice:
    """What fills one target column: a source column, a constant default, a derivation, or nothing."""

    kind: str = "none"  # column | default | derive | none
    source: str | None = None  # the source column (column, derive)
    how: str | None = None  # derive: year | half | quarter | years_before | plus | copy | date
    value: str | None = None  # default: the constant; derive plus: the number added
    reason: str = ""  # why it was suggested: header | content | derived_header | user

    @property
    def chosen(self) -> bool:
        return self.kind != "none"


NONE = Choice()


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------
def read_export(path: str | Path) -> pl.DataFrame:
    """The file's columns as text, headers trimmed, read the way the import reads it."""
    from .read import read_frame

    return read_frame(Path(path)).select(pl.all().cast(pl.String))


def _cleaned(frame: pl.DataFrame, column: str, missing: Iterable[str] = MISSING_TOKENS) -> pl.Series:
    """A source column's non-missing values, trimmed (as the import sees them)."""
    return frame.select(_clean(column, tuple(missing)))[column].drop_nulls()


# ---------------------------------------------------------------------------------------------
# Entity and columns
# ---------------------------------------------------------------------------------------------
def header_names(entity: str, column: str) -> tuple[str, ...]:
    return (column,) + ENTITY_SYNONYMS.get((entity, column), ()) + SYNONYMS.get(column, ())


def _header_index(entity: str) -> dict[str, str]:
    """normalised header → target column, for one entity (the entity's own words win)."""
    index: dict[str, str] = {}
    for column in ENTITIES[entity].column_names:
        for label in (column,) + ENTITY_SYNONYMS.get((entity, column), ()):
            index.setdefault(norm(label), column)
    for column in ENTITIES[entity].column_names:
        for label in SYNONYMS.get(column, ()):
            index.setdefault(norm(label), column)
    return index


def _derived_index(entity: str) -> dict[str, tuple[str, str]]:
    """normalised header → (target column, derivation)."""
    return {norm(label): (column, how) for (e, column), (how, labels) in DERIVED_SYNONYMS.items() if e == entity for label in labels}


def guess_entity(file_name: str, headers: Iterable[str]) -> str:
    """Which kind of data the file holds: its name first, then how many headers name the entity's columns."""
    stem = Path(file_name).stem.lower()
    headers = [norm(h) for h in headers]
    best, best_score = "employees", -1.0
    for name, entity in ENTITIES.items():
        index, derived = _header_index(name), _derived_index(name)
        hits = {index[h] for h in headers if h in index} | {derived[h][0] for h in headers if h in derived and h not in index}
        hits.discard("employee_id")  # every entity has it: it tells nothing
        score = sum(2 if entity.column(c).required else 1 for c in hits) / (1 + 0.05 * len(entity.columns))
        if stem == name or any(hint in stem for hint in FILE_HINTS.get(name, ())):
            score += 3
        if score > best_score:
            best, best_score = name, score
    return best


def _looks_like_dates(values: pl.Series) -> bool:
    if values.len() == 0:
        return False
    ok = pl.Series([False] * values.len())
    for pattern in DATE_PATTERNS:
        ok = ok | values.str.contains(pattern).fill_null(False)
    return ok.mean() >= 0.9


def _looks_numeric(values: pl.Series) -> bool:
    return values.len() > 0 and values.str.replace_all(r"[,\s]", "").cast(pl.Float64, strict=False).is_not_null().mean() >= 0.9


def _looks_like_periods(values: pl.Series) -> bool:
    return values.len() > 0 and values.str.to_uppercase().str.contains(PERIOD_PATTERN).mean() >= 0.9


def date_format(values: pl.Series, today: date | None = None) -> str | None:
    """The format that reads most of a column's dates as plausible dates (year 1900 or later)."""
    today = today or date.today()
    text = values.head(2000).str.replace(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$", "")
    best, best_n = None, 0
    for fmt in CANDIDATE_FORMATS:
        four_digit = "%Y" in fmt
        shaped = text.str.contains(r"\d{4}" if four_digit else r"^\d{1,2}\D\d{1,2}\D\d{2}$")
        parsed = text.str.strptime(pl.Date, fmt, strict=False)
        if "%y" in fmt:  # two-digit years are the most recent past year
            parsed = pl.select(pl.when(parsed > today).then(parsed.dt.offset_by("-100y")).otherwise(parsed)).to_series()
        n = (shaped & parsed.is_not_null() & (parsed.dt.year() >= 1900)).sum()
        if n > best_n:
            best, best_n = fmt, n
    return best


def _label_table(entity: str, column: str, grades: tuple[str, ...]) -> dict[str, str]:
    """normalised source value → canonical value, for one enumeration column."""
    kind = ENTITIES[entity].column(column).kind
    if kind == "rating":
        table = {}
        for pos, labels in VALUE_LABELS["rating"].items():
            if -len(grades) <= int(pos) < len(grades):
                table.update(dict.fromkeys(labels, grades[int(pos)]))
        return table | {norm(g): g for g in grades}
    if kind == "bool":
        return {label: value for value, labels in VALUE_LABELS["bool"].items() for label in labels}
    table = VALUE_LABELS.get(f"{entity}.{column}") or VALUE_LABELS.get(column) or {}
    out = {label: value for value, labels in table.items() for label in labels}
    out.update({norm(c): c for c in ENTITIES[entity].column(column).choices})
    return out


def enum_columns(entity: str) -> list[str]:
    """The entity's columns with a closed set of values: enumerations, the rating grade and yes/no columns."""
    return [c.name for c in ENTITIES[entity].columns if c.kind in ENUM_KINDS]


def canonical_values(entity: str, column: str, grades: tuple[str, ...] = ("A", "B+", "B", "C", "D")) -> list[str]:
    c = ENTITIES[entity].column(column)
    if c.kind == "rating":
        return list(grades)
    if c.kind == "bool":
        return ["true", "false"]
    return list(c.choices)


def _enum_matches(values: Iterable[str], entity: str, column: str, grades: tuple[str, ...]) -> float:
    """Share of distinct values that read as this column's values (canonical or a known label)."""
    values = list(values)
    if not values:
        return 0.0
    table = _label_table(entity, column, grades)
    return sum(norm(v) in table for v in values) / len(values)


def suggest_columns(
    entity: str,
    frame: pl.DataFrame,
    known_ids: Iterable[str] | None = None,
    grades: tuple[str, ...] = ("A", "B+", "B", "C", "D"),
) -> dict[str, Choice]:
    """For each target column of the entity: a suggested source column or derivation, or NONE."""
    ent = ENTITIES[entity]
    index, derived = _header_index(entity), _derived_index(entity)
    choices: dict[str, Choice] = {c: NONE for c in ent.column_names}
    used: set[str] = set()
    # 1. Header names: the exact canonical name first, then synonyms, in the file's column order.
    for label in frame.columns:
        target = index.get(norm(label))
        if target and not choices[target].chosen:
            choices[target] = Choice("column", label, reason="header")
            used.add(label)
    # 2. Facts stated another way (age, years of service, a review date, a timestamp).
    for label in frame.columns:
        if label in used or norm(label) not in derived:
            continue
        target, how = derived[norm(label)]
        if not choices[target].chosen:
            choices[target] = Choice("derive", label, how=how, reason="derived_header")
            used.add(label)
    # 3. Content, for what headers did not settle.
    samples = {label: _cleaned(frame, label).head(5000) for label in frame.columns if label not in used}
    known = set(known_ids or ())
    if known and not choices["employee_id"].chosen:
        for label, values in samples.items():
            if values.len() and values.is_in(list(known)).mean() >= 0.7:
                choices["employee_id"] = Choice("column", label, reason="content")
                used.add(label)
                break
    if entity == "employees" and choices["employee_id"].kind == "column" and not choices["manager_id"].chosen:
        ids = set(_cleaned(frame, choices["employee_id"].source).to_list()) | known
        for label, values in samples.items():
            if label not in used and values.len() and not _looks_like_dates(values) and values.is_in(list(ids)).mean() >= 0.8 \
                    and values.n_unique() < 0.8 * values.len():
                choices["manager_id"] = Choice("column", label, reason="content")
                used.add(label)
                break
    for column in enum_columns(entity):
        c = ent.column(column)
        if choices[column].chosen or c.kind == "bool":  # yes/no columns are too alike to tell apart by content
            continue
        for label, values in samples.items():
            distinct = values.unique().to_list()
            if label not in used and 0 < len(distinct) <= 12 and _enum_matches(distinct, entity, column, grades) >= 0.8:
                choices[column] = Choice("column", label, reason="content")
                used.add(label)
                break
    for column in [c.name for c in ent.columns if c.kind == "period"]:
        if choices[column].chosen:
            continue
        for label, values in samples.items():
            if label not in used and _looks_like_periods(values):
                choices[column] = Choice("column", label, reason="content")
                used.add(label)
                break
        else:  # a date column gives the period by its year
            for label, values in samples.items():
                if label not in used and _looks_like_dates(values):
                    choices[column] = Choice("derive", label, how="year", reason="content")
                    used.add(label)
                    break
    # Dates by content only when it is unambiguous: one date column left, one required date without a source.
    open_dates = [c.name for c in ent.columns if c.kind == "date" and c.required and not choices[c.name].chosen and not c.fallback]
    date_like = [label for label, values in samples.items() if label not in used and _looks_like_dates(values)]
    if len(open_dates) == 1 and len(date_like) == 1:
        choices[open_dates[0]] = Choice("column", date_like[0], reason="content")
        used.add(date_like[0])
    # A promotion list with only the level before: the level after is one more.
    if entity == "promotions" and choices["from_level"].chosen and not choices["to_level"].chosen:
        choices["to_level"] = Choice("derive", "from_level", how="plus", value="1", reason="content")
    return choices


def options_for(entity: str, column: str, headers: Iterable[str]) -> list[Choice]:
    """What the screen offers for one target column: nothing, each source column, a default, each derivation."""
    kind = ENTITIES[entity].column(column).kind
    headers = list(headers)
    out = [NONE] + [Choice("column", h) for h in headers] + [Choice("default")]
    for how in DERIVATIONS.get(kind, ()):
        if how != "date":  # a date taken as it is, is the column itself
            out.append(Choice("derive", how=how))
    return out


def is_resolved(entity: str, column: str, choices: AnyMapping[str, Choice]) -> bool:
    """Whether the column gets a value: a choice, or a built-in fallback that does not need an empty column."""
    choice = choices.get(column, NONE)
    if choice.kind == "default":
        return bool(choice.value)
    if choice.kind == "derive":
        return bool(choice.source) and (choice.how != "plus" or _is_number(choice.value))
    if choice.chosen:
        return True
    fallback = ENTITIES[entity].column(column).fallback
    if not fallback:
        return False
    if fallback.startswith("="):
        other = fallback[1:]
        return other in ENTITIES[entity].column_names and choices.get(other, NONE).chosen
    return True


def unresolved_required(entity: str, choices: AnyMapping[str, Choice]) -> list[str]:
    """Required target columns that nothing fills yet (the screen shows them in red)."""
    return [c for c in ENTITIES[entity].required if not is_resolved(entity, c, choices)]


def _is_number(value: str | None) -> bool:
    try:
        float(str(value))
        return True
    except ValueError:
        return False


def date_formats(frame: pl.DataFrame, entity: str, choices: AnyMapping[str, Choice], today: date | None = None) -> list[str]:
    """The formats of the source columns mapped to date targets (or derived from dates), best first, no repeats."""
    ent = ENTITIES[entity]
    found: list[str] = []
    for column, choice in choices.items():
        c = ent.column(column)
        date_source = (choice.kind == "column" and c.kind == "date") or (choice.kind == "derive" and choice.how in ("year", "half", "quarter", "date"))
        if date_source and choice.source in frame.columns:
            values = _cleaned(frame, choice.source)
            if _looks_like_dates(values):
                fmt = date_format(values, today)
                if fmt and fmt not in found:
                    found.append(fmt)
    return found


# ---------------------------------------------------------------------------------------------
# Values of enumerations
# ---------------------------------------------------------------------------------------------
def _base_values(entity: str, column: str, base: object | None) -> dict[str, str]:
    if base is None:
        return {}
    try:
        values = base.for_entity(entity).values.get(column, {})
    except AttributeError:
        values = {}
    return {str(k).strip().lower(): str(v) for k, v in values.items()}


def _matches_canonical(entity: str, column: str, value: str, grades: tuple[str, ...]) -> bool:
    c = ENTITIES[entity].column(column)
    if c.kind == "rating":
        return re.sub(r"\s+", "", value).upper() in {g.upper() for g in grades}
    if c.kind == "bool":
        return value.lower() in TRUE_WORDS + FALSE_WORDS
    return re.sub(r"[\s\-]+", "_", value.lower()) in c.choices


def unmatched_values(
    entity: str,
    frame: pl.DataFrame,
    choices: AnyMapping[str, Choice],
    base: object | None = None,
    grades: tuple[str, ...] = ("A", "B+", "B", "C", "D"),
    limit: int = 50,
) -> dict[str, list[tuple[str, int]]]:
    """For each enumeration column fed by a source column: the distinct source values that match no canonical
    value (nor the base mapping's value map), most frequent first, with their row counts."""
    out: dict[str, list[tuple[str, int]]] = {}
    for column in enum_columns(entity):
        choice = choices.get(column, NONE)
        if choice.kind != "column" or choice.source not in frame.columns:
            continue
        known = _base_values(entity, column, base)
        counts = _cleaned(frame, choice.source, missing_tokens(base)).value_counts(sort=True, name="n")
        bad = [
            (v, int(n)) for v, n in counts.iter_rows()
            if v.lower() not in known and not _matches_canonical(entity, column, v, grades)
        ]
        bad.sort(key=lambda x: (-x[1], x[0]))
        if bad:
            out[column] = bad[:limit]
    return out


def suggest_value(entity: str, column: str, value: str, grades: tuple[str, ...] = ("A", "B+", "B", "C", "D")) -> str | None:
    """A canonical value for a source value, from the small table of labels; None when there is no good guess."""
    return _label_table(entity, column, grades).get(norm(value))


# ---------------------------------------------------------------------------------------------
# The mapping dict (mapping format v2) and where saved mappings live
# ---------------------------------------------------------------------------------------------
def file_name_aliases(file_name: str) -> list[str]:
    """The file's name, and the name without a trailing date or number (so tomorrow's export matches too)."""
    stem = Path(file_name).stem.strip()
    bare = re.sub(r"(?:[\s_\-.]+\d[\d\s_\-.]*|\d{4,}[\d\s_\-.]*)$", "", stem).strip(" _-.")
    return list(dict.fromkeys(a for a in (stem, bare) if a))


def build_mapping(
    name: str,
    entity: str,
    choices: AnyMapping[str, Choice],
    values: AnyMapping[str, AnyMapping[str, str | None]] | None = None,
    file_name: str | None = None,
    formats: Iterable[str] = (),
    attributes: Iterable[str] = (),
    description: str = "",
    extends: str = BASE_PRESET,
    headers: Iterable[str] = (),
) -> dict:
    """The mapping dict (the TOML's shape) for one entity: columns, values, defaults, derivations, attributes."""
    ent = ENTITIES[entity]
    section: dict = {}
    if file_name:
        section["file_names"] = file_name_aliases(file_name)
    columns: dict[str, str] = {}
    defaults: dict[str, str] = {}
    derive: dict[str, dict] = {}
    for column in ent.column_names:
        choice = choices.get(column, NONE)
        if choice.kind == "column" and choice.source:
            if choice.source in columns:  # one source column feeds two targets: the second is a copy
                derive[column] = {"from": choice.source, "how": "copy"}
            else:
                columns[choice.source] = column
        elif choice.kind == "default" and choice.value not in (None, ""):
            defaults[column] = str(choice.value)
        elif choice.kind == "derive" and choice.source and choice.how:
            spec: dict = {"from": choice.source, "how": choice.how}
            if choice.how == "plus":
                number = float(choice.value if _is_number(choice.value) else 1)
                spec["value"] = int(number) if number.is_integer() else number
            elif choice.how == "years_before" and choice.value:
                spec["reference"] = str(choice.value)
            derive[column] = spec
    for label in headers:  # a column named like a target the admin did not choose it for is not read
        if label not in columns and snake(label) in ent.column_names and label not in attributes:
            columns[label] = ""
    if columns:
        section["columns"] = columns
    mapped_values = {
        column: {str(src): (MISSING if canon is None or canon == MISSING else str(canon)) for src, canon in pairs.items()
                 if canon is not None}
        for column, pairs in (values or {}).items()
        if column in ent.column_names
    }
    mapped_values = {c: v for c, v in mapped_values.items() if v}
    if mapped_values:
        section["values"] = mapped_values
    if defaults:
        section["defaults"] = defaults
    if derive:
        section["derive"] = derive
    attrs = {str(a): attribute_name(a) for a in attributes if a not in columns}
    if attrs:
        section["attributes"] = attrs
    raw: dict = {"name": name, "description": description or f"Made on the Data page for {entity}", "extends": extends}
    formats = [f for f in formats if f]
    if formats:
        raw["date_formats"] = list(dict.fromkeys(formats))
    raw[entity] = section
    return raw


def attribute_name(label: str) -> str:
    """An attribute's name from a source header: snake case, at most 100 characters."""
    name = re.sub(r"[^\w]+", "_", str(label).strip().lower(), flags=re.UNICODE).strip("_")
    return (name or "attribute")[:100]


NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,59}$"


def valid_mapping_name(name: str) -> bool:
    return bool(re.match(NAME_PATTERN, name or ""))


def suggested_mapping_name(file_name: str) -> str:
    stem = file_name_aliases(file_name)[-1] if file_name else "mapping"
    name = re.sub(r"[^A-Za-z0-9_\-]+", "_", stem).strip("_-").lower()[:60]
    return name if valid_mapping_name(name) else "my_mapping"


def saved_mapping_names(db_path: str | Path | None = None) -> list[str]:
    """Mappings saved beside the database (the import core keeps them in <database folder>/mappings)."""
    from .settings import saved_mappings

    return saved_mappings(Path(db_path) if db_path else None)


def save(raw: dict, name: str, db_path: str | Path) -> Path:
    """Write the mapping beside the database through the import core, which refuses one that does not load."""
    from .settings import save_mapping

    if not valid_mapping_name(name):
        raise ValueError(f"'{name}' is not a valid mapping name (letters, digits, - and _)")
    return save_mapping(raw, name, Path(db_path))


def missing_tokens(base: object | None) -> tuple[str, ...]:
    """The base mapping's cells that mean missing (mapping format v2), else the canonical list."""
    return tuple(getattr(base, "missing_values", None) or MISSING_TOKENS)


__all__ = [
    "Choice", "NONE", "read_export", "guess_entity", "suggest_columns", "options_for", "is_resolved", "unresolved_required",
    "date_formats", "enum_columns", "canonical_values", "unmatched_values", "suggest_value", "build_mapping",
    "file_name_aliases", "saved_mapping_names", "save", "missing_tokens", "valid_mapping_name", "suggested_mapping_name",
]
