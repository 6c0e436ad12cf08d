"""`budget-etl check`: the rulebook on a batch without publishing a warehouse; findings pages (checked in
headless Chromium), CSV and JSON; refused files with their reasons; acknowledged findings hidden."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from budget_etl.analyst.findings import check
from budget_etl.cli.etl import main

LEFTOVER = "按照《中华人民共和国预算法》"


@pytest.fixture
def batch(tmp_path, seed_bytes) -> Path:
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "good.txt").write_bytes(seed_bytes)
    text = seed_bytes.decode("utf-8")
    assert text.count(LEFTOVER) == 1
    (folder / "drafted.txt").write_text(text.replace("西关街道办事处部门2020年部门预算公开说明", "西关街道办事处部门2021年部门预算公开说明", 1)
                                        .replace(LEFTOVER, "按照《XX预算法》（待填写）", 1), encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    return folder


def test_check_writes_findings_per_document_and_lists_refused_files(batch, tmp_path):
    out = tmp_path / "out"
    report = check([batch], out, progress=False)
    assert len(report.documents) == 2 and [r.reason_code for r in report.refused] == ["empty_file"]
    drafted = next(d for d in report.documents if d.file_name == "drafted.txt")
    good = next(d for d in report.documents if d.file_name == "good.txt")
    assert good.findings == [] and len(good.passed) > 30
    [leftover] = [f for f in drafted.findings if f.rule_id == "wording.template_leftover"]
    assert leftover.place == "line 3" and "'XX'" in leftover.detail and "'待填写'" in leftover.detail
    assert leftover.suggestion_zh.startswith("将模板占位符替换")
    assert report.findings == len(drafted.findings)

    with (out / "findings.csv").open(encoding="utf-8") as f:
        assert f.read(1) == "\ufeff"  # a BOM: Excel opens it as UTF-8
        rows = list(csv.DictReader(f))
    assert {(r["file_name"], r["check_name"]) for r in rows} == {("drafted.txt", f.check_name) for f in drafted.findings}
    data = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert [r["reason_code"] for r in data["refused"]] == ["empty_file"]
    assert {d["file_name"]: len(d["findings"]) for d in data["documents"]} == {
        "drafted.txt": len(drafted.findings), "good.txt": 0}


def test_an_acknowledged_finding_is_counted_not_listed(batch, tmp_path):
    first = check([batch], tmp_path / "first", progress=False)
    drafted = next(d for d in first.documents if d.file_name == "drafted.txt")
    accepted = tmp_path / "accepted.csv"
    accepted.write_text("document_id,check_name,reviewer,reason_zh,acknowledged_on\n"
                        f"{drafted.document_id},wording.template_leftover,王,引用的法规名称,2026-11-30\n",
                        encoding="utf-8")
    again = check([batch], tmp_path / "again", progress=False, acknowledgements=accepted)
    drafted_again = next(d for d in again.documents if d.file_name == "drafted.txt")
    assert drafted_again.acknowledged == 1
    assert [f.check_name for f in drafted_again.findings] == [
        f.check_name for f in drafted.findings if f.check_name != "wording.template_leftover"]


def test_check_command_exit_codes(batch, tmp_path, seed_bytes):
    runner = CliRunner()
    result = runner.invoke(main, ["check", str(batch), "--out", str(tmp_path / "a"), "--quiet"])
    assert result.exit_code == 1 and "1 file(s) refused" in result.output, result.output
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "good.txt").write_bytes(seed_bytes)
    result = runner.invoke(main, ["check", str(clean), "--out", str(tmp_path / "b"), "--quiet"])
    assert result.exit_code == 0 and "0 finding(s)" in result.output, result.output


@pytest.mark.slow
def test_findings_pages_in_headless_chromium(batch, tmp_path):
    from test_report import chromium

    out = tmp_path / "out"
    report = check([batch], out, progress=False)
    index = chromium("--dump-dom", (out / "index.html").as_uri())
    assert f'<span id="total-findings">{report.findings}</span>' in index
    assert "empty_file" in index
    link = re.search(r'<a href="(documents/[0-9a-f]{16}\.html)">drafted\.txt</a>', index)
    assert link, index[:2000]
    page = chromium("--dump-dom", (out / link[1]).as_uri())
    assert "无模板残留" in page and "将模板占位符替换为实际的单位名称" in page and "line 3" in page
    good = next(d for d in report.documents if d.file_name == "good.txt")
    assert 'id="no-findings"' in chromium("--dump-dom", (out / good.page).as_uri())


@pytest.mark.slow
def test_check_on_the_real_documents_in_headless_chromium(tmp_path):
    from national_gold import PDF_DIR
    from test_report import chromium

    if not PDF_DIR.is_dir():
        pytest.skip("../shared/real not present")
    out = tmp_path / "real"
    report = check([PDF_DIR], out, progress=False)
    # 17 documents (two of them in two files) load; the blank 决算 template is refused with its reason
    assert len(report.documents) == 17
    assert [(Path(r.source_path).name, r.reason_code) for r in report.refused] == [
        ("shanghai_template_2024_js-blank.pdf", "template_without_amounts")]
    index = chromium("--dump-dom", (out / "index.html").as_uri())
    assert index.count('<a href="documents/') == 17 and "template_without_amounts" in index
    # each finding is read against the document in docs/rulebook.md; one of them: 增加 by a change of 0.00
    shenzhen = next(d for d in report.documents if d.file_name.startswith("guangdong_shenzhen"))
    [direction] = [f for f in shenzhen.findings if f.rule_id == "change.direction"]
    assert "增加0.00万元" in direction.detail and direction.place.startswith("page 9")
    page = chromium("--dump-dom", (out / shenzhen.page).as_uri())
    assert "增加0.00万元" in page and "深圳市规划和自然资源局宝安管理局" in page
