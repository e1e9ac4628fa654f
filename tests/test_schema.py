"""The JSON document's JSON Schema (reconcile/data/report.schema.json, `jixiao schema`): every
document of the tests conforms, and a document with a wrong type or a field missing does not."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from flows.cli import main
from reconcile.document import SCHEMA, document
from reconcile.registry import RULES
from reconcile.render import schema_text
from tests.conftest import CASES, FIXTURES, report_of, result_of

SNAPSHOTS = sorted((Path(__file__).parent / "test_snapshots").glob("*.json"))
REPORT_CASES = [c for c in CASES if c != "no-figures"]
SAMPLE = str(FIXTURES / "sample" / "report.pdf")


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = json.loads(schema_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def errors(validator, doc) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]


def test_jixiao_schema_prints_the_shipped_schema(capsys):
    assert main(["schema"]) == 0
    out = capsys.readouterr().out
    schema = json.loads(out)
    assert out == schema_text() and schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$defs"]["document"]["properties"]["schema"] == {"const": SCHEMA}  # one version, two places
    assert sorted(schema["$defs"]["rule"]["enum"]) == sorted(RULES)  # a new rule needs the schema too


def test_the_schema_is_package_data():
    import tomllib

    pyproject = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text(encoding="utf-8"))
    data = pyproject["tool"]["setuptools"]["package-data"]["reconcile"]
    assert any(Path("data/report.schema.json").match(pattern) for pattern in data)


@pytest.mark.parametrize("snapshot", SNAPSHOTS, ids=lambda p: p.stem)
def test_every_snapshot_conforms(validator, snapshot):
    assert errors(validator, json.loads(snapshot.read_text(encoding="utf-8"))) == []


def test_there_are_snapshots_to_validate():
    assert len(SNAPSHOTS) == len(REPORT_CASES) >= 10


@pytest.mark.parametrize("case", REPORT_CASES)
def test_every_fixture_document_conforms_checked_and_extracted(validator, case):
    assert errors(validator, document(report_of(case), result_of(case))) == []
    assert errors(validator, document(report_of(case))) == []


def test_cli_documents_conform_with_reviews_and_as_a_list(validator, capsys, tmp_path):
    reviews = tmp_path / "reviews.toml"
    reviews.write_text('[[review]]\nid = "sum_mismatch:3cd9a7879b"\ndecision = "dismissed"\nreason = "已核实"\n'
                       'by = "审计一组"\nat = 2026-12-03\n\n[[review]]\nid = "sum_mismatch:ffffffffff"\n'
                       'decision = "confirmed"\n', encoding="utf-8")
    main(["check", SAMPLE, "--format", "json", "--reviews", str(reviews)])
    doc = json.loads(capsys.readouterr().out)
    assert doc["reviews_unmatched"] and doc["findings"][0]["review"]
    assert errors(validator, doc) == []
    main(["check", SAMPLE, str(tmp_path / "missing.pdf"), "--format", "json"])
    entries = json.loads(capsys.readouterr().out)
    assert [e["status"] for e in entries] == ["checked", "failed"] and errors(validator, entries) == []
    main(["extract", SAMPLE, SAMPLE, "--format", "json"])
    assert errors(validator, json.loads(capsys.readouterr().out)) == []


def _set(path: str, value):
    def mutate(doc):
        *parents, last = path.split(".")
        target = doc
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        if value is DELETE:
            del target[int(last) if last.isdigit() else last]
        else:
            target[int(last) if last.isdigit() else last] = value
    return mutate


DELETE = object()


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("schema", "jixiao.report/1"),
        ("source.sha256", DELETE),
        ("source.pages", "9"),
        ("findings.0.rule", DELETE),
        ("findings.0.rule", "sum_mismatches"),
        ("findings.0.severity", "fatal"),
        ("findings.0.page", 0),
        ("findings.0.stated", 3183.53),  # a float, never
        ("findings.0.bbox", [1, 2, 3]),
        ("findings.0.id", DELETE),
        ("projects.0.budget.value", "八百"),
        ("projects.0.budget.unit", DELETE),
        ("projects.0.name", None),
        ("checks.0.outcome", "passed"),
        ("summary.errors", -1),
        ("summary.by_rule.bogus_rule", 1),
        ("summary", DELETE),  # checks and findings without their summary
        ("document.year", "2023"),
        ("findings.0.extra", "a field the schema does not know"),
        ("relations", DELETE),
    ],
)
def test_a_mutated_document_fails(validator, path, value):
    doc = copy.deepcopy(document(report_of("sample"), result_of("sample")))
    assert errors(validator, doc) == []
    _set(path, value)(doc)
    assert errors(validator, doc)
