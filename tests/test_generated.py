"""Generated reports (fixtures/generate): read exactly and checked exactly, as text and as PDFs.

Each case is a synthetic report with its ground truth: clean ones must give no error and
every project line exactly as printed; one with a fault must give exactly its finding.
`python -m fixtures.generate.accuracy --count 200` measures the same over a larger set.

The small tests at the end reproduce misreads the generator found in extract/ (a name
starting with a year, a name in two groups, hanging punctuation, a wrapped title, a
borderless 合计, a footer on a full page); each failed before its fix.
"""

from __future__ import annotations

import importlib.util
import json
from decimal import Decimal
from pathlib import Path

import pytest

from extract import read_pdf
from fixtures.generate import APPLICABLE, FAULTS, SHAPES, Truth, generate
from fixtures.generate.model import Figure
from fixtures.generate.compare import score_case
from fixtures.generate.generate import required_features
from fixtures.generate.pipeline import read_source
from fixtures.generate.render import options, plan, render_reportlab
from reconcile import reconcile

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "generate" / "samples"
FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")  # fixtures/cases.toml's ReportLab font
needs_reportlab = pytest.mark.skipif(
    importlib.util.find_spec("reportlab") is None or not FONT.is_file(),
    reason="ReportLab or the WQY MicroHei font (fonts-wqy-microhei) is not installed",
)

# Each test below reproduces a misread of extract/ that the generator found (fixed since).

CASES = plan(30, seed=1)  # 10 of each shape; 15 clean, 15 with one fault (every fault)


def _id(case) -> str:
    seed, shape, fault = case
    return f"{seed}-{shape}-{fault or 'clean'}"


def _score(case, report):
    _text, truth, _expected = generate(*case)
    return score_case(truth, report, reconcile(report).findings)


def _explain(score) -> str:
    lines = [f"{m.what} {m.subject}: {'; '.join(m.problems)} | printed: {m.sentence}" for m in score.misses]
    lines += [f"finding {f.kind}: {f.rule} {f.stated} {f.text}" for f in score.finding_misses]
    return "\n".join(lines)


def _assert_right(score) -> None:
    assert not score.crashed, score.crashed
    assert score.exact, _explain(score)
    assert score.findings_right, _explain(score)
    assert score.document_ok, _explain(score)
    if score.fault is None:
        assert score.errors_reported == 0, _explain(score)


# ---- the generator ------------------------------------------------------------------------------


def test_generation_is_deterministic_and_the_truth_survives_json():
    for case in CASES[:6]:
        text, truth, expected = generate(*case)
        again, truth_again, _ = generate(*case)
        assert (text, truth.to_json()) == (again, truth_again.to_json())
        assert Truth.from_json(truth.to_json()) == truth
        assert all(isinstance(e.stated, Decimal | None) for e in expected)


def printed(text: str, truth: Truth) -> int:
    """Check that the truth is what the report prints — against the text, not against the
    generator's own expectations (which it builds from the truth: comparing the two could not
    fail): every prose line's and total's sentence is in the text, and each of its figures as
    printed is in its sentence. Returns how many sentences were checked."""
    checked = 0
    for item in [*truth.lines, *truth.totals]:
        if getattr(item, "source", "prose") == "table" or getattr(item, "member_source", "") == "table":
            continue  # a table row is printed cell by cell, not as a sentence
        figures = [f for f in vars(item).values() if isinstance(f, Figure)]
        # an allocation's total gathers figures told in several sentences (or keeps none): the text
        where = item.sentence if item.sentence and truth.shape != "allocation" else text
        assert where in text, item.sentence
        assert all(f.text in where for f in figures), (item.sentence, [f.text for f in figures])
        checked += 1
    return checked


@pytest.mark.parametrize("shape", SHAPES)
def test_every_fault_is_the_only_inconsistency(shape):
    for fault in [None, *FAULTS]:
        if fault is not None and shape not in APPLICABLE[fault]:
            with pytest.raises(ValueError):
                generate(1, shape, fault)
            continue
        for seed in range(1, 6):
            text, truth, expected = generate(seed, shape, fault)
            serious = [e for e in expected if e.severity != "info"]
            assert {e.rule for e in serious} == ({fault} if fault else set()), (seed, serious)
            assert len({e.subject for e in serious}) <= 1
            assert printed(text, truth) > 0, seed


def test_two_hundred_reports_cover_every_phrasing():
    seen = {f for case in plan(200, seed=1) for f in generate(*case)[1].style["features"]}
    assert required_features() - seen == set()


# ---- the pipeline on generated reports -----------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    CASES,
    ids=_id,
)
def test_text_path_reads_every_line_and_finds_exactly_the_fault(case):
    text, _truth, _expected = generate(*case)
    _assert_right(_score(case, read_source(text)))


@needs_reportlab
@pytest.mark.parametrize("case", [CASES[0], CASES[1], CASES[11]], ids=_id)
def test_reportlab_pdf_reads_every_line_and_finds_exactly_the_fault(case, tmp_path):
    text, _truth, _expected = generate(*case)
    _assert_right(_score(case, read_pdf(render_reportlab(text, tmp_path / "report.pdf"))))


def test_accuracy_command_prints_its_figures(capsys):
    from fixtures.generate.accuracy import main

    assert main(["--count", "3", "--json", "--workers", "1"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["line_rate"] == 1.0 and summary["failures"] == []


# ---- the misreads, each in a few lines ----------------------------------------------------------


def _lines(report):
    return [(p.seq, p.name, p.budget and p.budget.value, p.actual and p.actual.value) for p in report.projects]


@pytest.mark.parametrize("marker", ["1、", "1."])
def test_a_name_starting_with_a_year_is_still_a_project_line(marker):
    report = read_source(
        "2023年度唐山市科学技术协会整体绩效自评报告\n"
        "（一）科协本级纳入年度绩效评价的项目共计1项。\n"
        f"{marker}2023年科普日活动，调整预算数10万元，实际执行数6万元，支出进度60%。\n")
    assert _lines(report) == [("1", "2023年科普日活动", Decimal(10), Decimal(6))]
    assert [f.rule for f in reconcile(report).findings] == []


def test_a_name_in_two_groups_is_joined_to_its_own_table_row():
    report = read_source(
        "2023年度唐山市科学技术协会整体绩效自评报告\n"
        "1、科协本级纳入年度绩效评价的项目共计2项。\n"
        "（1）维修费，调整预算数40万元，实际执行数12.33万元，支出进度30.83%。\n"
        "（2）科普宣传，调整预算数5万元，实际执行数5万元，支出进度100%。\n"
        "2、科工中心纳入年度绩效评价的项目共计1项。\n"
        "（1）维修费，调整预算数30万元，实际执行数21.67万元，支出进度72.23%。\n"
        "单位：万元\n"
        "[table]\n"
        "| 单位 | 序号 | 项目名称 | 调整预算数 | 实际执行数 | 执行率 |\n"
        "| 科协本级 | 1 | 维修费 | 40 | 12.33 | 30.83% |\n"
        "| ^ | 2 | 科普宣传 | 5 | 5 | 100.00% |\n"
        "| 科工中心 | 1 | 维修费 | 30 | 21.67 | 72.23% |\n"
        "| 合计 | < | < | 75 | 39 | 52.00% |\n")
    assert [(p.group, p.name, len(p.readings)) for p in report.projects] == [
        ("科协本级", "维修费", 1), ("科协本级", "科普宣传", 1), ("科工中心", "维修费", 1)]
    assert [f.rule for f in reconcile(report).findings if f.severity == "error"] == []


FILLER = "绩效指标科学合理，涵盖了产出指标、效益指标、满意度指标，评价结果全面完整。"  # its 。 hangs at 12 pt


@needs_reportlab
def test_a_full_line_after_lines_with_hanging_punctuation_continues_its_paragraph(tmp_path):
    text = "\n".join([
        "2023年度唐山市科学技术协会整体绩效自评报告", "一、部门整体概况", FILLER, FILLER, FILLER,
        "二、项目支出情况", "1、科协本级纳入年度绩效评价的项目共计1项。",
        "（1）科普宣传活动经费，调整预算数40万元，执行进度30.83%，实际执行数12.33万元。"]) + "\n"
    report = read_pdf(render_reportlab(text, tmp_path / "report.pdf"))
    assert _lines(report) == [("1", "科普宣传活动经费", Decimal(40), Decimal("12.33"))]


@needs_reportlab
def test_a_long_title_wrapping_over_two_lines_gives_the_organisation_and_year(tmp_path):
    text = ("秦皇岛市人力资源和社会保障局2021年度部门整体支出绩效自评报告\n一、部门整体概况\n"
            "本部门2021年度预算数7968万元，实际支出3557万元，预算执行率44.64%。\n")
    # No running header: one repeating the title would stand in for it on a one-page PDF.
    pdf = render_reportlab(text, tmp_path / "report.pdf", options("reportlab") | {"header": ""})
    document = read_pdf(pdf).document
    assert (document.organization, document.year) == ("秦皇岛市人力资源和社会保障局", 2021)


@needs_reportlab
def test_a_table_without_rules_reads_its_rows(tmp_path):
    text = ("2023年度唐山市科学技术馆项目支出绩效自评报告\n一、项目基本情况\n"
            "本单位2023年度纳入绩效评价的项目共计2项，详见下表。\n单位：万元\n"
            "[table borderless header=1 widths=1.1,4.6,2,2,1.9]\n"
            "| 序号 | 项目名称 | 预算数 | 预算执行数 | 执行率 |\n"
            "| 1 | 校园安全监控 | 4.00 | 0.14 | 3.50% |\n"
            "| 2 | 信息化运维 | 130.50 | 50.96 | 39.05% |\n"
            "| 合计 | < | 134.50 | 51.10 | 37.99% |\n")
    report = read_pdf(render_reportlab(text, tmp_path / "report.pdf"))
    assert _lines(report) == [("1", "校园安全监控", Decimal("4.00"), Decimal("0.14")),
                              ("2", "信息化运维", Decimal("130.50"), Decimal("50.96"))]


def _sample(name: str):
    folder = SAMPLES / name
    truth = Truth.from_json((folder / "truth.json").read_text(encoding="utf-8"))
    report = read_pdf(folder / "report.pdf")
    return score_case(truth, report, reconcile(report).findings)


def test_word_pdf_with_a_table_over_a_page_break_reads_every_row():
    # Rendered once with python-docx and LibreOffice (fixtures/generate/render.py), committed.
    score = _sample("00023-table-clean")
    assert score.exact and score.findings_right, _explain(score)


def test_word_pdf_with_a_wrapped_title_gives_the_organisation_and_year():
    assert _sample("00023-table-clean").document_ok


# ---- the allocation shape (real reports' prose about one fund) -------------------------------------

ALLOCATION = plan(12, seed=1, shapes=("allocation",))  # 6 clean, 6 with one fault (sum, rate, count)
# Cases jixiao misreads today (see fixtures/generate/README.md, "allocation"): strict, so a fix
# in extract/ shows here as an XPASS to remove from the list.
ALLOCATION_MISREAD = {(8, "allocation", "sum_mismatch")}


def test_allocation_faults_are_the_only_inconsistency():
    for fault in [None, "sum_mismatch", "rate_mismatch", "count_mismatch"]:
        for seed in range(1, 6):
            text, truth, expected = generate(seed, "allocation", fault)
            serious = [e for e in expected if e.severity != "info"]
            assert {e.rule for e in serious} == ({fault} if fault else set()), (seed, serious)
            assert len({e.subject for e in serious}) <= 1
            assert printed(text, truth) > 0, seed
            assert Truth.from_json(truth.to_json()) == truth
            assert (text, truth.to_json()) == (generate(seed, "allocation", fault)[0],
                                               generate(seed, "allocation", fault)[1].to_json())


def test_two_hundred_allocation_reports_cover_every_phrasing():
    seen = {f for case in plan(200, seed=1, shapes=("allocation",)) for f in generate(*case)[1].style["features"]}
    assert required_features(("allocation",)) - seen == set()


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, marks=pytest.mark.xfail(strict=True, reason="misread by extract/ (README: allocation)"))
     if c in ALLOCATION_MISREAD else c for c in ALLOCATION],
    ids=_id,
)
def test_allocation_text_path_reads_every_line_and_finds_exactly_the_fault(case):
    text, _truth, _expected = generate(*case)
    _assert_right(_score(case, read_source(text)))
