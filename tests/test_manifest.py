"""Source manifests: a manifest of the wrong shape is a clear error naming the file and the problem (the
nightly run fails with exit code 2 and says so), and includes may not go round in a cycle."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from budget_etl.ops import manifest, nightly, pipeline
from budget_etl.ops.manifest import ManifestError


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


BAD_SHAPES = {
    "empty": ("", "is empty"),
    "comments_only": ("# nothing here\n", "is empty"),
    "string": ("documents/a.txt\n", "is a string, not a mapping"),
    "list": ("- path: a.txt\n", "is a list, not a mapping"),
    "number": ("42\n", "is a number, not a mapping"),
    "no_keys": ("title: my corpus\n", "unknown key 'title'"),
    "typo": ("document:\n  - path: a.txt\n", "unknown key 'document'"),
    "documents_string": ("documents: a.txt\n", "documents: is a string, expected a list"),
    "entry_string": ("documents:\n  - a.txt\n", "documents entry 1 is a string, expected a mapping with path:"),
    "entry_without_path": ("documents:\n  - file: a.txt\n", "documents entry 1 has no path:"),
    "empty_path": ("documents:\n  - path: ''\n", "documents entry 1 has no path:"),
    "flag_not_bool": ("documents:\n  - path: a.txt\n    is_synthetic: maybe\n",
                      "documents entry 1 (a.txt): is_synthetic is 'maybe', expected true or false"),
    "include_string": ("include: other.yml\n", "include: is a string, expected a list"),
    "include_entry": ("include:\n  - {path: other.yml}\n", "include entry 1 is a mapping, expected a manifest path"),
    "not_yaml": ("documents: [a.txt\n", "not valid YAML"),
}


@pytest.mark.parametrize("name", BAD_SHAPES)
def test_a_manifest_of_the_wrong_shape_is_a_clear_error(tmp_path, name):
    text, problem = BAD_SHAPES[name]
    path = write(tmp_path, "sources.yml", text)
    with pytest.raises(ManifestError) as error:
        pipeline.collect(manifest=path)
    message = str(error.value)
    assert message.startswith(f"{path}: ") and problem in message, message
    assert "\n" not in message


def test_every_problem_is_named_up_to_a_limit(tmp_path):
    entries = "".join(f"  - {{file: {i}.txt}}\n" for i in range(1, 9))
    path = write(tmp_path, "sources.yml", f"extra: 1\ndocuments:\n{entries}")
    with pytest.raises(ManifestError) as error:
        manifest.read(path)
    assert str(error.value) == (f"{path}: unknown key 'extra' (the keys are documents, include); "
                                + "; ".join(f"documents entry {i} has no path: (a file name relative to the "
                                            "manifest)" for i in range(1, 5)) + "; and 4 more")


def test_a_manifest_including_itself_is_a_clear_error(tmp_path):
    own = write(tmp_path, "sources.yml", "include:\n  - sources.yml\n")
    with pytest.raises(ManifestError, match="includes itself"):
        manifest.read(own)
    write(tmp_path, "a/sources.yml", "documents:\n  - path: x.txt\ninclude:\n  - ../b/sources.yml\n")
    write(tmp_path, "b/sources.yml", "include:\n  - ../a/sources.yml\n")
    with pytest.raises(ManifestError) as error:
        manifest.read(tmp_path / "a" / "sources.yml")
    assert "includes itself" in str(error.value)
    assert str(error.value).count("->") == 2  # a -> b -> a
    missing = write(tmp_path, "c/sources.yml", "include:\n  - none.yml\n")
    with pytest.raises(ManifestError, match=f"no such manifest, included by {missing.resolve()}"):
        manifest.read(missing)


def test_the_same_manifest_included_twice_without_a_cycle_is_fine(tmp_path):
    write(tmp_path, "shared/sources.yml", "documents:\n  - path: s.txt\n    is_synthetic: true\n")
    write(tmp_path, "a/sources.yml", "include:\n  - ../shared/sources.yml\n")
    top = write(tmp_path, "sources.yml", "include:\n  - a/sources.yml\n  - shared/sources.yml\n"
                                         "documents:\n  - path: t.txt\n  - path: u.txt\n    is_synthetic: false\n")
    entries = manifest.read(top)
    assert [(e.path.relative_to(tmp_path).as_posix(), e.is_synthetic) for e in entries] == [
        ("t.txt", None), ("u.txt", False), ("a/../shared/s.txt", True), ("shared/s.txt", True)]


def test_a_bad_manifest_inside_an_ingested_folder_is_an_error_too(tmp_path):
    write(tmp_path, "in/a.txt", "x")
    write(tmp_path, "in/sources.yml", "- a.txt\n")
    with pytest.raises(ManifestError, match="is a list, not a mapping"):
        pipeline.collect([tmp_path / "in"])


@pytest.mark.parametrize("name", ["empty", "string", "list"])
def test_nightly_with_a_bad_manifest_fails_with_exit_2_and_says_why(tmp_path, caplog, name):
    path = write(tmp_path, "sources.yml", BAD_SHAPES[name][0])
    wh = tmp_path / "budget.duckdb"
    with caplog.at_level(logging.ERROR):
        assert nightly.nightly([], wh, manifest=path) == 2
    assert not wh.exists()
    [run] = [r for r in nightly.read_runs(nightly.Layout(wh.absolute())) if r["status"] != "running"]
    assert run["status"] == "failed" and str(path) in run["message"] and BAD_SHAPES[name][1] in run["message"]
    assert any(str(path) in r.getMessage() for r in caplog.records)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors and all(r.exc_info is None and "\n" not in r.getMessage() for r in errors)  # one line
