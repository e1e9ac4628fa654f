"""Every sample sentence in patterns.toml reads as it claims; user patterns extend the shipped ones."""

import re
from decimal import Decimal

import pytest

from extract import read_text
from extract.normalize import normalize
from extract.patterns import load, merge, shipped_data

DATA = shipped_data()
PATTERNS = load()
FIELDS = DATA["fields"]

# What each fields.X sample states for X, read by hand from the sample sentence.
FIELD_VALUES = {
    "budget": ("832.52", "万元"),  # 调整预算数832.52万元
    "initial_budget": ("50", "万元"),  # 年初预算数50万元
    "actual": ("5", "万元"),  # 实际支出5万元
    "stated_rate": ("100", "%"),  # 预算执行率100%
    "stated_completion": ("100", "%"),  # 总体完成率100%
    "remainder": ("4", "万元"),  # 剩余4万元
}


def _only(items):
    assert len(items) == 1, items
    return items[0]


# ------------------------------------------------------------------ static checks


def test_every_entry_has_a_sample():
    for name, spec in FIELDS.items():
        assert spec.get("sample"), f"fields.{name} has no sample"
    for key in ("groups", "enumerations"):
        for i, entry in enumerate(DATA[key]):
            assert entry.get("sample"), f"{key}[{i}] has no sample"
    assert DATA["headings"]["samples"]
    assert DATA["department"]["sample"]
    assert DATA["document"]["sample"]


def test_each_field_word_belongs_to_one_field():
    owner: dict[str, str] = {}
    for name, spec in FIELDS.items():
        for word in spec["words"]:
            assert word not in owner, f"{word} is in fields.{owner.get(word)} and fields.{name}"
            owner[word] = name


def test_every_field_has_a_hand_checked_value():
    assert set(FIELD_VALUES) == set(FIELDS)


def test_every_heading_marker_compiles():
    for marker in DATA["headings"]["markers"]:
        re.compile(marker)


# ------------------------------------------------------------------ field samples


@pytest.mark.parametrize("name", sorted(FIELDS))
def test_field_sample_sets_its_field(name):
    sample = FIELDS[name]["sample"]
    report = read_text(sample)
    holders = [*report.projects, *report.aggregates]
    set_here = [h for h in holders if getattr(h, name, None) is not None]
    assert set_here, f"fields.{name}.sample sets no {name}"
    fact = getattr(_only(set_here), name)
    assert fact.field in FIELDS[name]["words"]
    value, unit = FIELD_VALUES[name]
    assert fact.value == Decimal(value)
    assert fact.unit == unit


@pytest.mark.parametrize("name", sorted(FIELDS))
def test_field_samples_are_project_lines(name):
    # Every field sample is an item "（n）name，…": it is one project line, not a total.
    report = read_text(FIELDS[name]["sample"])
    assert len(report.projects) == 1
    assert report.aggregates == []


@pytest.mark.parametrize(
    ("name", "word"), [(name, word) for name, spec in FIELDS.items() for word in spec["words"]]
)
def test_every_field_word_reads_as_its_field(name, word):
    # Longest first: no word is shadowed by a shorter word of another field.
    unit = FIELDS[name].get("unit", "万元")
    money = "" if unit == "万元" else "预算数20万元，"
    report = read_text(f"（1）某项目，{money}{word}12.5{unit}。")
    line = _only(report.projects)
    fact = getattr(line, name)
    assert fact is not None, f"{word} not read as {name}: {line.facts()}"
    assert fact.field == word
    assert fact.value == Decimal("12.5")
    assert fact.unit == unit


# ------------------------------------------------------------------ headings

# The samples are listed outermost first, one per marker: their levels are 0, 1, 2, …
HEADING_LEVELS = [0, 1, 2, 2, 2, 3, 4]  # the two 2s: a name starting with a year after 1、 and 2.


def test_heading_samples_get_their_level():
    samples = DATA["headings"]["samples"]
    assert len(samples) == len(HEADING_LEVELS)
    for sample, level in zip(samples, HEADING_LEVELS):
        text, _ = normalize(sample)
        got, end = PATTERNS.heading(text)
        assert got == level, sample
        assert 0 < end < len(text)


@pytest.mark.parametrize(
    ("text", "level", "marker"),
    [
        ("十一、其他", 0, "十一、"),
        ("(十)其他", 1, "(十)"),
        ("12、其他", 2, "12、"),
        ("1.其他", 2, "1."),
        ("(12)其他", 3, "(12)"),
        ("⑳其他", 4, "⑳"),
    ],
)
def test_heading_marker_end(text, level, marker):
    assert PATTERNS.heading(text) == (level, len(marker))


@pytest.mark.parametrize("text", ["1.5万元已拨付", "2023年度", "其中：1、", "部门整体概况", ""])
def test_not_a_heading(text):
    assert PATTERNS.heading(text) == (None, 0)


# ------------------------------------------------------------------ groups and lists

# (label, count) read by hand from each [[groups]] sample, in file order
GROUP_SAMPLES = [("科协本级", 11), ("科工中心", 4)]


def test_group_samples_declare_a_count():
    entries = DATA["groups"]
    assert len(entries) == len(GROUP_SAMPLES)
    for entry, (label, count) in zip(entries, GROUP_SAMPLES):
        report = read_text(entry["sample"])
        group = _only(report.groups())
        assert group.label == label
        assert group.declared_count is not None
        assert group.declared_count.value == Decimal(count)
        assert report.projects == []


# (label, declared count, names, budget, actual) read by hand from each [[enumerations]]
# sample; the first sample is abridged: it declares 9 and names 2.
ENUMERATION_SAMPLES = [
    ("专项项目", 9, ["唐山市科普专项经费", "唐山科技馆运营服务费"], "385.88", "385.87"),
    (None, 2, ["维修费", "委托业务费"], "45", "17.33"),
]


def test_enumeration_samples_name_their_members_and_state_a_total():
    entries = DATA["enumerations"]
    assert len(entries) == len(ENUMERATION_SAMPLES)
    for entry, (label, count, names, budget, actual) in zip(entries, ENUMERATION_SAMPLES):
        report = read_text(entry["sample"])
        enumeration = _only([a for a in report.aggregates if a.kind == "enumeration"])
        assert len(enumeration.members) >= 2
        assert [m.name for m in enumeration.members] == names
        assert enumeration.declared_count.value == Decimal(count)
        assert enumeration.budget is not None and enumeration.budget.value == Decimal(budget)
        assert enumeration.actual is not None and enumeration.actual.value == Decimal(actual)
        if label is not None:
            assert enumeration.label == label
        # the figures belong to the list, not to a department total
        assert [a for a in report.aggregates if a.kind == "department"] == []


def test_department_sample():
    report = read_text(DATA["department"]["sample"])
    department = _only(report.aggregates)
    assert department.kind == "department"
    assert department.label == DATA["department"]["label"]
    assert department.budget.value == Decimal("4795.32")
    assert department.actual.value == Decimal("3380.19")
    assert department.stated_rate.value == Decimal("70.49")
    assert report.projects == []


def test_document_sample():
    report = read_text(DATA["document"]["sample"] + "\n一、部门整体概况")
    assert report.document.year == 2023
    assert report.document.organization == "唐山市科学技术协会"
    assert report.document.title == "2023年度唐山市科学技术协会整体绩效自评工作报告"


# ------------------------------------------------------------------ user patterns

USER_LINE = "（1）某项目，安排资金20万元，实际支出10万元，执行率50%。"


def test_user_field_word_extends_the_shipped_words(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('[fields.budget]\nwords = ["安排资金"]\n', encoding="utf-8")

    shipped = _only(read_text(USER_LINE).projects)
    assert shipped.budget is None  # the shipped patterns do not know 安排资金
    assert shipped.actual.value == Decimal("10")

    line = _only(read_text(USER_LINE, patterns_file=str(path)).projects)
    assert line.budget is not None
    assert line.budget.value == Decimal("20")
    assert line.budget.field == "安排资金"
    assert line.actual.value == Decimal("10")
    assert line.stated_rate.value == Decimal("50")
    assert line.name == "某项目"

    # the shipped words are still there
    other = _only(read_text("（2）另一项目，调整预算数8万元，实际执行数4万元。", patterns_file=str(path)).projects)
    assert other.budget.value == Decimal("8")


def test_user_group_entry_is_tried_before_the_shipped_ones(tmp_path):
    path = tmp_path / "groups.toml"
    path.write_text(
        "[[groups]]\n"
        "pattern = '^(?P<group>[^，,。；]+?)下设(?P<count>{count})(?:项|个)'\n"
        "sample = \"1、科协本级下设3项。\"\n",
        encoding="utf-8",
    )
    text = "1、科协本级下设3项。"
    assert read_text(text).groups() == []
    group = _only(read_text(text, patterns_file=str(path)).groups())
    assert group.label == "科协本级"
    assert group.declared_count.value == Decimal("3")
    # the shipped group entries still apply
    shipped = _only(read_text("2、科工中心项目4个。", patterns_file=str(path)).groups())
    assert shipped.declared_count.value == Decimal("4")


def test_merge_extends_word_lists_and_prepends_entries():
    base = {"fields": {"budget": {"words": ["预算数"], "unit": "万元"}}, "groups": [{"pattern": "a"}]}
    extra = {"fields": {"budget": {"words": ["安排资金", "预算数"]}}, "groups": [{"pattern": "b"}]}
    merged = merge(base, extra)
    assert merged["fields"]["budget"]["words"] == ["安排资金", "预算数"]
    assert merged["fields"]["budget"]["unit"] == "万元"
    assert [g["pattern"] for g in merged["groups"]] == ["b", "a"]
    assert base["fields"]["budget"]["words"] == ["预算数"], "merge must not change the shipped data"
