"""Source manifests (``sources.yml``): which documents a corpus has, and whether each is real.

The shape, checked before anything is used::

    include:                      # optional: other manifests, relative to this one (a corpus with its own)
      - demo/sources.yml
    documents:                    # optional: the documents, paths relative to this manifest
      - path: documents/xiguan_2020_budget.txt
        is_synthetic: false       # optional, true or false; other keys (office, sha256, origin, ...) describe
                                  # the document for people and are not read
      - files: [a_2019-narrative.pdf, a_2019-tables.pdf]   # one document published as several files:
                                  # instead of path:, two or more distinct paths, the narrative first
      - url: https://www.example.gov.cn/yusuan/2024/bumen.pdf   # fetched by `budget-etl fetch` into the
        published_on: 2024-02-06  # store (budget_etl.ops.fetch); optional, as declared by the user:
        office: 某某局            # published_on, office, fiscal_year, doc_kind, scope, is_synthetic
        fiscal_year: 2024

A manifest of any other shape (empty, a string, a list, an unknown top-level key, an entry without a path,
is_synthetic that is not true or false, ...) is a :class:`ManifestError` naming the file and every problem;
so is an include that is missing or that leads back to a manifest already being read (a cycle).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

MANIFEST = "sources.yml"  # the name of a folder's manifest
TOP_LEVEL_KEYS = ("documents", "include")
DECLARED = ("published_on", "office", "fiscal_year", "doc_kind", "scope")  # what a url: entry may declare
MAX_PROBLEMS = 5  # problems named in one error; the rest are counted


class ManifestError(ValueError):
    """A manifest that cannot be used: unreadable, not YAML, of the wrong shape, or including itself."""


@dataclass(frozen=True)
class Entry:
    """A document a manifest lists: its path (relative to the working directory, as the manifest's folder
    is; for a document in several files, the first) and is_synthetic when the manifest says; ``files``: all
    its files in order (the path alone for a document in one file)."""

    path: Path
    is_synthetic: bool | None
    files: tuple[Path, ...] = ()

    def __post_init__(self):
        if not self.files:
            object.__setattr__(self, "files", (self.path,))


@dataclass(frozen=True)
class Source:
    """A document a manifest lists by its URL (fetched into the store), with what the manifest declares."""

    url: str
    is_synthetic: bool | None = None
    published_on: str | None = None  # ISO date
    office: str | None = None
    fiscal_year: int | None = None
    doc_kind: str | None = None
    scope: str | None = None

    def declared(self) -> dict:
        """The declared fields as fetch_log columns."""
        return {"published_on": self.published_on, "declared_office": self.office,
                "declared_fiscal_year": self.fiscal_year, "declared_doc_kind": self.doc_kind,
                "declared_scope": self.scope}


def read(manifest: str | Path) -> list[Entry]:
    """The documents (files) of a manifest and of the manifests it includes, in order; raises ManifestError.
    The url: entries are not among them: see :func:`sources`."""
    return [e for e in _read(Path(manifest), ()) if isinstance(e, Entry)]


def sources(manifest: str | Path) -> list[Source]:
    """The url: entries of a manifest and of the manifests it includes, in order, each URL once."""
    found = {e.url: e for e in _read(Path(manifest), ()) if isinstance(e, Source)}
    return list(found.values())


def synthetic_flags(manifest: str | Path) -> dict[Path, bool]:
    """is_synthetic per resolved file path, for the documents whose manifest says."""
    return {f.resolve(): e.is_synthetic for e in read(manifest) if e.is_synthetic is not None for f in e.files}


def _read(manifest: Path, including: tuple[Path, ...]) -> list[Entry | Source]:
    if manifest.resolve() in including:
        chain = " -> ".join(p.as_posix() for p in (*including, manifest.resolve()))
        raise ManifestError(f"{manifest}: includes itself ({chain})")
    try:
        text = manifest.read_text(encoding="utf-8")
    except FileNotFoundError:
        by = f", included by {including[-1]}" if including else ""
        raise ManifestError(f"{manifest}: no such manifest{by}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{manifest}: cannot be read: {exc}") from None
    try:
        # libyaml's loader when present: a manifest of 10,000 documents takes 1 s to read, not 12
        content = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise ManifestError(f"{manifest}: not valid YAML: {' '.join(str(exc).split())}") from None
    if problems := shape_problems(content):
        more = len(problems) - MAX_PROBLEMS
        named = "; ".join(problems[:MAX_PROBLEMS]) + (f"; and {more} more" if more > 0 else "")
        raise ManifestError(f"{manifest}: {named}")
    entries = []
    for e in content.get("documents") or []:
        if "url" in e:
            published = e.get("published_on")
            entries.append(Source(e["url"].strip(), e.get("is_synthetic"),
                                  published.isoformat() if published is not None else None,
                                  *(e.get(key) for key in DECLARED[1:])))
            continue
        files = tuple(manifest.parent / f for f in e.get("files") or [e["path"]])
        entries.append(Entry(files[0], e.get("is_synthetic"), files))
    for included in content.get("include") or []:
        entries += _read(manifest.parent / included, (*including, manifest.resolve()))
    return entries


def _kind(value) -> str:
    kinds = {dict: "a mapping", list: "a list", str: "a string", bool: "true/false", int: "a number",
             float: "a number"}
    return kinds.get(type(value), type(value).__name__)


def shape_problems(content) -> list[str]:
    """What is wrong with a manifest's parsed YAML (empty when nothing is)."""
    expected = "expected a mapping with documents: (a list of {path: ...}) and/or include: (a list of manifests)"
    if content is None:
        return [f"is empty; {expected}"]
    if not isinstance(content, dict):
        return [f"is {_kind(content)}, not a mapping; {expected}"]
    problems = [f"unknown key {key!r} (the keys are {', '.join(TOP_LEVEL_KEYS)})"
                for key in content if key not in TOP_LEVEL_KEYS]
    if not any(key in content for key in TOP_LEVEL_KEYS):
        problems.append(f"has neither documents: nor include:; {expected}")
    documents, include = content.get("documents"), content.get("include")
    if documents is not None and not isinstance(documents, list):
        problems.append(f"documents: is {_kind(documents)}, expected a list of {{path: ...}}")
    for i, entry in enumerate(documents if isinstance(documents, list) else [], start=1):
        if not isinstance(entry, dict):
            problems.append(f"documents entry {i} is {_kind(entry)}, expected a mapping with path:, files: or "
                            "url:")
        elif "url" in entry:
            problems += _url_problems(i, entry)
        elif "files" in entry:
            problems += _files_problems(i, entry)
        elif not isinstance(entry.get("path"), str) or not entry["path"].strip():
            problems.append(f"documents entry {i} has no path: (a file name relative to the manifest)")
        elif "is_synthetic" in entry and not isinstance(entry["is_synthetic"], bool):
            problems.append(f"documents entry {i} ({entry['path']}): is_synthetic is {entry['is_synthetic']!r}, "
                            "expected true or false")
    if include is not None and not isinstance(include, list):
        problems.append(f"include: is {_kind(include)}, expected a list of manifest paths")
    for i, included in enumerate(include if isinstance(include, list) else [], start=1):
        if not isinstance(included, str) or not included.strip():
            problems.append(f"include entry {i} is {_kind(included)}, expected a manifest path")
    return problems


def _url_problems(i: int, entry: dict) -> list[str]:
    """What is wrong with an entry of url: (a document fetched from the web)."""
    url = entry["url"]
    if "path" in entry or "files" in entry:
        return [f"documents entry {i} has url: and path:/files:; a fetched document is url: alone"]
    if not isinstance(url, str) or not url.strip().lower().startswith(("http://", "https://")):
        return [f"documents entry {i}: url: is {url!r}, expected an http:// or https:// address"]
    problems = []
    if "is_synthetic" in entry and not isinstance(entry["is_synthetic"], bool):
        problems.append(f"documents entry {i} ({url}): is_synthetic is {entry['is_synthetic']!r}, expected true "
                        "or false")
    published = entry.get("published_on")
    if published is not None and not isinstance(published, date):
        problems.append(f"documents entry {i} ({url}): published_on is {published!r}, expected a date "
                        "(YYYY-MM-DD)")
    year = entry.get("fiscal_year")
    if year is not None and (not isinstance(year, int) or isinstance(year, bool)):
        problems.append(f"documents entry {i} ({url}): fiscal_year is {year!r}, expected a year")
    for key in ("office", "doc_kind", "scope"):
        if entry.get(key) is not None and not isinstance(entry[key], str):
            problems.append(f"documents entry {i} ({url}): {key} is {_kind(entry[key])}, expected text")
    return problems


def _files_problems(i: int, entry: dict) -> list[str]:
    """What is wrong with an entry of files: (one document published as several files)."""
    files = entry["files"]
    expected = "expected a list of two or more distinct file paths, the narrative first"
    if "path" in entry:
        return [f"documents entry {i} has both path: and files:; one file is path:, several are files:"]
    if not isinstance(files, list):
        return [f"documents entry {i}: files: is {_kind(files)}, {expected}"]
    if len(files) < 2:
        return [f"documents entry {i}: files: lists {len(files)} file(s), {expected} (one file: use path:)"]
    if not all(isinstance(f, str) and f.strip() for f in files):
        return [f"documents entry {i}: files: holds something other than a file path, {expected}"]
    if len(set(files)) < len(files):
        return [f"documents entry {i}: files: names a file twice, {expected}"]
    if "is_synthetic" in entry and not isinstance(entry["is_synthetic"], bool):
        return [f"documents entry {i} ({files[0]}): is_synthetic is {entry['is_synthetic']!r}, expected true "
                "or false"]
    return []
