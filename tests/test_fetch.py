"""budget-etl fetch against a local HTTP server on 127.0.0.1: first fetch and load, 304s, a changed file,
an HTML page under a .pdf URL, 404, 500-then-200, a slow response, an oversized body."""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest
import yaml

from budget_etl.ops import fetch as fetching
from budget_etl.ops import manifest as manifests
from budget_etl.ops import pipeline
from budget_etl.synth import generate_corpus

from conftest import SEED, SHARED

REAL_PDF = SHARED / "real" / "shanghai_putuo_qufuban_2025_ys.pdf"
HTML = ("<!DOCTYPE html><html><head><title> 西关区财政局 — 预算公开 </title></head>"
        "<body><a href='x.pdf'>下载</a></body></html>").encode()
# quick for tests: no pause between requests, short backoff, a small size limit
FAST = replace(fetching.POLITE, timeout=0.5, interval=0.0, backoff=0.01, retries=2, max_bytes=2_000_000)


class Portal:
    """What the server answers: path -> bytes (200 with an ETag, 304 when it matches) or a behaviour."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.failures: dict[str, list[int]] = {}  # path -> statuses to answer first, one per request
        self.slow: set[str] = set()
        self.unsized: set[str] = set()
        self.pause = 0.0  # seconds each answer waits (for the concurrency test)
        self.in_flight = self.most_in_flight = 0
        self.lock = threading.Lock()  # answered without Content-Length (the body streams until closed)
        self.requests: list[tuple[str, int, str]] = []  # (path, status, User-Agent)


def _handler(portal: Portal):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def answer(self, status: int, body: bytes = b"", headers: dict | None = None) -> None:
            portal.requests.append((self.path, status, self.headers.get("User-Agent", "")))
            # out of flight before the answer leaves: once the client has it, it may send the next request
            # while this thread has yet to return
            with portal.lock:
                portal.in_flight -= 1
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if self.path not in portal.unsized:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                with contextlib.suppress(ConnectionError):  # the client may give up on a body too large
                    self.wfile.write(body)

        def do_GET(self) -> None:
            with portal.lock:
                portal.in_flight += 1
                portal.most_in_flight = max(portal.most_in_flight, portal.in_flight)
            time.sleep(portal.pause)
            self.get()  # every path ends in one answer(), which takes the request out of flight

        def get(self) -> None:
            if self.path in portal.slow:
                time.sleep(1.0)  # past the 0.5 s timeout
            if portal.failures.get(self.path):
                self.answer(portal.failures[self.path].pop(0))
                return
            if self.path == "/moved.pdf":
                self.answer(301, headers={"Location": "/docs/real.pdf"})
                return
            if self.path == "/elsewhere.pdf":
                self.answer(302, headers={"Location": "ftp://127.0.0.1/real.pdf"})
                return
            body = portal.files.get(self.path)
            if body is None:
                self.answer(404, b"<html><title>404</title></html>")
                return
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self.answer(304, headers={"ETag": etag})
                return
            self.answer(200, body, {"ETag": etag, "Last-Modified": "Tue, 06 Feb 2024 08:00:00 GMT",
                                    "Content-Type": "application/pdf"})

    return Handler


@pytest.fixture
def portal():
    portal = Portal()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(portal))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    portal.base = f"http://127.0.0.1:{server.server_address[1]}"
    yield portal
    server.shutdown()
    server.server_close()


def synth_document(folder: Path) -> bytes:
    """A generated disclosure of another office than the seed's."""
    manifest = generate_corpus(folder / "corpus", offices=1, years=[2023])
    (entry,) = manifests.read(manifest)
    return entry.path.read_bytes()


def _manifest(folder: Path, portal: Portal, paths: list[str], **declared) -> Path:
    entries = [{"url": portal.base + p, **declared.get(p, {})} for p in paths]
    path = folder / "sources.yml"
    path.write_text(yaml.safe_dump({"documents": entries}, allow_unicode=True), encoding="utf-8")
    return path


def _outcomes(summary: fetching.FetchSummary, portal: Portal) -> dict[str, str]:
    return {r.url.removeprefix(portal.base): r.outcome for r in summary.rows}


def test_sniff_trusts_content_not_names():
    assert fetching.sniff(b"%PDF-1.7\n...", "http://x/a.txt") == ("pdf", None)
    assert fetching.sniff(HTML, "http://x/a.pdf") == (None, "html_not_document")
    assert fetching.sniff("二〇二四年 预算".encode(), "http://x/a.txt") == ("txt", None)
    assert fetching.sniff("二〇二四年 预算".encode(), "http://x/a.pdf") == (None, "not_a_document")
    assert fetching.page_title(HTML) == "西关区财政局 — 预算公开"


def test_manifest_url_entries(tmp_path):
    path = tmp_path / "sources.yml"
    path.write_text("documents:\n  - path: a.txt\n  - url: https://example.gov.cn/a.pdf\n"
                    "    published_on: 2024-02-06\n    office: 西关区财政局\n    fiscal_year: 2024\n", "utf-8")
    assert [e.path.name for e in manifests.read(path)] == ["a.txt"]
    (source,) = manifests.sources(path)
    assert (source.url, source.published_on, source.office, source.fiscal_year) == (
        "https://example.gov.cn/a.pdf", "2024-02-06", "西关区财政局", 2024)
    path.write_text("documents:\n  - url: ftp://example.gov.cn/a.pdf\n  - url: https://x/b.pdf\n"
                    "    published_on: soon\n", "utf-8")
    with pytest.raises(manifests.ManifestError, match=r"expected an http:// or https:// address.*published_on is "
                       r"'soon'"):
        manifests.sources(path)


def test_fetch_and_load(tmp_path, portal):
    seed = SEED.read_bytes()
    portal.files["/docs/seed.txt"] = seed
    portal.files["/docs/landing.pdf"] = HTML
    portal.files["/docs/big.pdf"] = portal.files["/docs/big-unsized.pdf"] = b"%PDF-1.4\n" + b"0" * 3_000_000
    portal.unsized.add("/docs/big-unsized.pdf")
    other = synth_document(tmp_path)
    portal.files["/docs/flaky.txt"] = other
    portal.failures["/docs/flaky.txt"] = [500]
    portal.files["/docs/slow.txt"] = seed
    portal.slow.add("/docs/slow.txt")
    paths = ["/docs/seed.txt", "/docs/landing.pdf", "/docs/big.pdf", "/docs/big-unsized.pdf", "/docs/flaky.txt", "/docs/slow.txt",
             "/docs/gone.pdf", "/elsewhere.pdf"]
    if REAL_PDF.is_file():
        portal.files["/docs/real.pdf"] = REAL_PDF.read_bytes()
        paths.append("/moved.pdf")  # a redirect within http
    manifest = _manifest(tmp_path, portal, paths, **{"/docs/seed.txt": {"published_on": "2024-02-06"}})
    manifest.write_text(manifest.read_text("utf-8").replace("'2024-02-06'", "2024-02-06"), "utf-8")

    summary = fetching.fetch(manifest, politeness=FAST)
    outcomes = _outcomes(summary, portal)
    assert outcomes == {"/docs/seed.txt": "fetched", "/docs/landing.pdf": "html_not_document",
                        "/docs/big.pdf": "too_large", "/docs/big-unsized.pdf": "too_large", "/docs/flaky.txt": "fetched", "/docs/slow.txt": "timeout",
                        "/docs/gone.pdf": "not_found", "/elsewhere.pdf": "redirect_refused",
                        **({"/moved.pdf": "fetched"} if REAL_PDF.is_file() else {})}
    rows = {r.url.removeprefix(portal.base): r for r in summary.rows}
    assert rows["/docs/landing.pdf"].page_title == "西关区财政局 — 预算公开"
    assert rows["/docs/flaky.txt"].attempts == 2 and rows["/docs/slow.txt"].attempts == FAST.retries + 1
    assert rows["/docs/gone.pdf"].http_status == 404
    assert rows["/docs/seed.txt"].sha256 == hashlib.sha256(seed).hexdigest()
    assert rows["/docs/seed.txt"].published_on == "2024-02-06"
    if REAL_PDF.is_file():
        assert rows["/moved.pdf"].source_format == "pdf" and rows["/moved.pdf"].final_url.endswith("/docs/real.pdf")
    assert all(ua.startswith("budget-etl/") for _, _, ua in portal.requests)
    store = fetching.Store.beside(manifest)
    stored = store.document_of(portal.base + "/docs/seed.txt")
    assert stored.read_bytes() == seed and stored.name == f"{hashlib.sha256(seed).hexdigest()}.txt"
    assert store.document_of(portal.base + "/docs/landing.pdf") is None  # never stored as a document

    warehouse = tmp_path / "w.duckdb"
    first = pipeline.ingest([], warehouse, manifest=manifest, progress=False)
    loaded = 3 if REAL_PDF.is_file() else 2
    assert first.loaded == loaded
    assert sorted(first.missing) == sorted(f"{portal.base}{p} (not fetched: budget-etl fetch)" for p in
                                           ["/docs/landing.pdf", "/docs/big.pdf", "/docs/big-unsized.pdf",
                                            "/docs/slow.txt",
                                            "/docs/gone.pdf", "/elsewhere.pdf"])
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*), count(distinct outcome) from raw.fetch_log").fetchall() == [
            (len(paths), 6)]
        assert con.execute("select published_on::varchar from raw.fetch_log where url like '%seed.txt'"
                           ).fetchall() == [("2024-02-06",)]
        assert con.execute("select count(*) from raw.documents where source_path like '%.fetched/objects/%'"
                           ).fetchall() == [(loaded,)]

    # second run: nothing transferred (304s), nothing loaded again
    portal.requests.clear()
    portal.files.pop("/docs/flaky.txt")  # stopped answering: what was loaded from it stays
    second = fetching.fetch(manifest, politeness=FAST)
    outcomes = _outcomes(second, portal)
    assert outcomes["/docs/seed.txt"] == "not_modified" and outcomes["/docs/flaky.txt"] == "not_found"
    if REAL_PDF.is_file():
        assert outcomes["/moved.pdf"] == "not_modified"
    # the documents already fetched are not transferred again (the refused URLs are tried again)
    assert [(p, status) for p, status, _ in portal.requests if p in ("/docs/seed.txt", "/docs/real.pdf")] == [
        ("/docs/seed.txt", 304), *([("/docs/real.pdf", 304)] if REAL_PDF.is_file() else [])]
    assert ("/docs/seed.txt", 304, FAST.user_agent) in portal.requests
    again = pipeline.ingest([], warehouse, manifest=manifest, progress=False)
    assert (again.loaded, again.unchanged, again.deleted) == (0, loaded, [])

    # the seed changes on the portal: refetched, loaded, superseding the old version
    changed = seed + "\n（更正）\n".encode()
    portal.files["/docs/seed.txt"] = changed
    third = fetching.fetch(manifest, politeness=FAST)
    assert _outcomes(third, portal)["/docs/seed.txt"] == "fetched"
    later = pipeline.ingest([], warehouse, manifest=manifest, progress=False)
    assert later.loaded == 1
    old, new = hashlib.sha256(seed).hexdigest(), hashlib.sha256(changed).hexdigest()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        # every request of the three fetches, each once, however many loads read the log
        assert con.execute("select count(*), count(distinct (url, fetched_at)) from raw.fetch_log").fetchall() == [
            (3 * len(paths), 3 * len(paths))]
        versions = dict(con.execute("select document_id, superseded_by from raw.document_versions "
                                    "where document_id in (?, ?)", [old, new]).fetchall())
    assert versions == {old: new, new: None}
    assert fetching.Store.beside(manifest).document_of(portal.base + "/docs/seed.txt").read_bytes() == changed

    # a stored file deleted by hand: fetched afresh (no conditional request that a 304 would leave empty)
    fetching.Store.beside(manifest).document_of(portal.base + "/docs/seed.txt").unlink()
    assert _outcomes(fetching.fetch(manifest, politeness=FAST), portal)["/docs/seed.txt"] == "fetched"
    assert fetching.Store.beside(manifest).document_of(portal.base + "/docs/seed.txt").read_bytes() == changed


@pytest.mark.slow
def test_nightly_fetch_publishes_with_the_official_source(tmp_path, portal):
    """nightly --fetch: fetched, loaded, built; dim_document and the report know the URL; a URL that stops
    answering is a warning (exit code 1) and its document stays."""
    from budget_etl.analyst.report import gather, render
    from budget_etl.ops.nightly import nightly

    seed = SEED.read_bytes()
    portal.files["/docs/seed.txt"] = seed
    manifest = tmp_path / "sources.yml"
    manifest.write_text(f"documents:\n  - url: {portal.base}/docs/seed.txt\n    published_on: 2020-02-10\n"
                        f"  - url: {portal.base}/docs/landing.pdf\n", "utf-8")
    portal.files["/docs/landing.pdf"] = HTML
    published = tmp_path / "warehouse.duckdb"
    assert nightly([], published, manifest=manifest, fetch=True, politeness=FAST) == 1  # the HTML page
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select source_url, published_on::varchar, fetched_at is not null, sha256 "
                           "from marts.dim_document").fetchall() == [
            (f"{portal.base}/docs/seed.txt", "2020-02-10", True, hashlib.sha256(seed).hexdigest())]
        assert con.execute("select outcome, page_title from raw.fetch_log where url like '%landing.pdf'"
                           ).fetchall() == [("html_not_document", "西关区财政局 — 预算公开")]
        html = render(gather(con, "山海关区西关街道办事处", 2020))
    assert f'官方来源 <a href="{portal.base}/docs/seed.txt">' in html and "发布日期 2020-02-10" in html
    assert ".fetched" not in html and str(tmp_path) not in html  # never the local copy's path

    portal.files.pop("/docs/seed.txt")  # the portal moved it: a warning, nothing dropped, nothing rebuilt
    assert nightly([], published, manifest=manifest, fetch=True, politeness=FAST) == 1
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select count(*) from marts.dim_document").fetchall() == [(1,)]
    runs = [json.loads(line) for line in published.with_name(published.name + ".runs.jsonl").read_text(
        "utf-8").splitlines()]
    assert [(r["status"], r["urls_failed"]) for r in runs if r.get("ended_at")] == [
        ("published", 1), ("unchanged", 2)]


@pytest.mark.parametrize("per_host", [1, 2])
def test_requests_at_a_time_to_one_host(tmp_path, portal, per_host):
    portal.pause = 0.1
    paths = [f"/docs/{i}.txt" for i in range(6)]
    for i, path in enumerate(paths):
        portal.files[path] = SEED.read_bytes() + f"\n{i}\n".encode()
    manifest = _manifest(tmp_path, portal, paths)
    summary = fetching.fetch(manifest, politeness=replace(FAST, timeout=5.0, per_host=per_host, workers=4))
    assert summary.count("fetched") == len(paths)
    assert portal.most_in_flight == per_host


def test_fetch_command(tmp_path, portal):
    from click.testing import CliRunner

    from budget_etl.cli import main

    portal.files["/docs/seed.txt"] = SEED.read_bytes()
    manifest = _manifest(tmp_path, portal, ["/docs/seed.txt", "/docs/gone.pdf"])
    store = tmp_path / "store"
    result = CliRunner().invoke(main, ["fetch", "--manifest", str(manifest), "--store", str(store),
                                       "--timeout", "2"])
    assert result.exit_code == 1, result.output
    assert "fetched 2 URLs: 1 new or changed, 0 unchanged, 1 failed" in result.output
    assert f"not_found {portal.base}/docs/gone.pdf: HTTP 404" in result.output
    assert len(list((store / "objects").rglob("*.txt"))) == 1
