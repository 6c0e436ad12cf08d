"""Fetching disclosures from the portals that publish them (``budget-etl fetch``, ``nightly --fetch``).

A manifest entry with ``url:`` (see budget_etl.ops.manifest) is downloaded into a content-addressed store::

    STORE/objects/ab/ab12...ef.pdf   the bytes, named by their sha256 (never overwritten, never deleted)
    STORE/fetch_log.jsonl            one line per request: URL, time, HTTP status, outcome, ETag, ...
    STORE/state.json                 per URL: the last document fetched from it (what the load reads)

Politely: one client with a clear User-Agent; conditional requests (If-None-Match / If-Modified-Since) so
that nothing unchanged is transferred again; at most ``per_host`` requests at a time to one host and one
start every ``interval`` seconds per host; retries with exponential backoff (Retry-After honoured) on 429,
5xx and timeouts; a size limit read as the body streams; redirects followed only to http(s).

What came back is sniffed, not trusted by its name: a PDF starts with ``%PDF-``, a docx is a zip with
``word/``, an HTML page where a document was expected is ``html_not_document`` (with its <title>) and never
stored as a document. A URL that stops answering keeps its last document in ``state.json``: nothing loaded
is dropped because its portal moved it.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import tempfile
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import charset_normalizer
import httpx
import lxml.html

from budget_etl import __version__
from budget_etl.ops import manifest as manifests

log = logging.getLogger(__name__)

DEFAULT_STORE = ".fetched"  # beside the manifest (hidden: a folder scan does not read it as documents)
LOG_FILE, STATE_FILE, OBJECTS = "fetch_log.jsonl", "state.json", "objects"
# who asks, and how to reach the operator (BUDGET_ETL_FETCH_CONTACT: an email or a URL) if a portal objects
USER_AGENT = (f"budget-etl/{__version__} (public budget disclosures; one request per host per second"
              + (f"; {os.environ['BUDGET_ETL_FETCH_CONTACT']}" if os.environ.get("BUDGET_ETL_FETCH_CONTACT") else "")
              + ")")
# outcomes that leave a document in the store
DOCUMENT_OUTCOMES = ("fetched", "not_modified", "unchanged")


@dataclass(frozen=True)
class Politeness:
    """How the fetcher treats the portals (the defaults suit government sites; tests shorten the times)."""

    user_agent: str = USER_AGENT
    timeout: float = 30.0  # seconds to connect, and between bytes of the response
    max_bytes: int = 32 * 1024 * 1024  # a body above this is abandoned (pipeline.MAX_FILE_BYTES)
    interval: float = 1.0  # seconds between the starts of two requests to the same host
    per_host: int = 2  # requests at a time to one host
    workers: int = 4  # requests at a time in all
    retries: int = 3  # tries after the first, on 429, 5xx, timeouts and dropped connections
    backoff: float = 2.0  # seconds before the first retry, doubled each time
    max_backoff: float = 60.0  # a Retry-After longer than this is cut to it
    max_redirects: int = 5


POLITE = Politeness()


@dataclass
class FetchRow:
    """One line of STORE/fetch_log.jsonl, one row of raw.fetch_log."""

    url: str
    fetched_at: str  # ISO UTC
    outcome: str  # vocab.FETCH_OUTCOMES
    http_status: int | None = None
    attempts: int = 1
    final_url: str | None = None  # after redirects
    sha256: str | None = None
    size_bytes: int | None = None
    source_format: str | None = None
    store_path: str | None = None  # relative to the store
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    page_title: str | None = None  # html_not_document: the page's <title>
    detail: str | None = None
    # as the manifest declares them (the document's own text decides what it is)
    published_on: str | None = None
    declared_office: str | None = None
    declared_fiscal_year: int | None = None
    declared_doc_kind: str | None = None
    declared_scope: str | None = None

    @property
    def failed(self) -> bool:
        return self.outcome not in DOCUMENT_OUTCOMES


@dataclass
class FetchSummary:
    rows: list[FetchRow] = field(default_factory=list)

    def count(self, *outcomes: str) -> int:
        return sum(r.outcome in outcomes for r in self.rows)

    @property
    def failed(self) -> list[FetchRow]:
        return [r for r in self.rows if r.failed]

    def describe(self) -> str:
        lines = [f"fetched {len(self.rows)} URLs: {self.count('fetched')} new or changed, "
                 f"{self.count('not_modified', 'unchanged')} unchanged, {len(self.failed)} failed"]
        lines += [f"  {r.outcome} {r.url}: {r.detail}" for r in self.failed]
        return "\n".join(lines)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Store:
    """The content-addressed store of fetched documents."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    @classmethod
    def beside(cls, manifest: str | Path, store: str | Path | None = None) -> Store:
        return cls(store if store is not None else Path(manifest).parent / DEFAULT_STORE)

    def state(self) -> dict[str, dict]:
        path = self.root / STATE_FILE
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}

    def document_of(self, url: str) -> Path | None:
        """The file of the last document fetched from ``url`` (None: never fetched)."""
        entry = self.state().get(url)
        return self.root / entry["store_path"] if entry else None

    def rows(self) -> list[dict]:
        path = self.root / LOG_FILE
        if not path.is_file():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

    def put(self, data: bytes, sha: str, suffix: str) -> str:
        relative = f"{OBJECTS}/{sha[:2]}/{sha}.{suffix}"
        target = self.root / relative
        if not target.exists():  # content-addressed: the same bytes are the same file
            target.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as tmp:
                tmp.write(data)
            os.replace(tmp.name, target)
        return relative

    def record(self, rows: list[FetchRow], state: dict[str, dict]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / LOG_FILE, "a", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps(asdict(row), ensure_ascii=False) + "\n")
        tmp = self.root / (STATE_FILE + ".tmp")
        tmp.write_text(json.dumps(state, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, self.root / STATE_FILE)


def sniff(data: bytes, url: str) -> tuple[str | None, str | None]:
    """(source_format, None) for a document; (None, outcome) otherwise: html_not_document or
    not_a_document. A .txt URL may hold plain text; nothing else is trusted by its name."""
    head = data[:2048].lstrip().lower()
    if data.startswith(b"%PDF-"):
        return "pdf", None
    if data.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return None, "not_a_document"
        return ("docx", None) if any(n.startswith("word/") for n in names) else (None, "not_a_document")
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "doc", None
    if head.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<html" in head or b"<head" in head:
        return None, "html_not_document"
    if httpx.URL(url).path.lower().endswith(".txt") and data and b"\x00" not in data[:4096]:
        return "txt", None
    return None, "not_a_document"


def page_title(data: bytes) -> str | None:
    """The <title> of an HTML page, whatever its encoding (portals use UTF-8 and GBK alike)."""
    best = charset_normalizer.from_bytes(data[:65536]).best()
    try:
        title = lxml.html.fromstring(str(best) if best is not None else data).findtext(".//title")
    except (ValueError, lxml.etree.ParserError):
        return None
    return " ".join(title.split()) if title and title.strip() else None


class _Hosts:
    """Per-host concurrency (a semaphore) and rate (the earliest start of the next request)."""

    def __init__(self, politeness: Politeness) -> None:
        self.politeness, self.lock = politeness, threading.Lock()
        self.slots: dict[str, threading.Semaphore] = {}
        self.next_start: dict[str, float] = {}

    def slot(self, host: str) -> threading.Semaphore:
        with self.lock:
            return self.slots.setdefault(host, threading.Semaphore(self.politeness.per_host))

    def wait_turn(self, host: str) -> None:
        with self.lock:
            now = time.monotonic()
            start = max(now, self.next_start.get(host, now))
            self.next_start[host] = start + self.politeness.interval
        time.sleep(start - now)


class _Refused(Exception):
    def __init__(self, outcome: str, detail: str, status: int | None = None) -> None:
        super().__init__(detail)
        self.outcome, self.detail, self.status = outcome, detail, status


class _Retry(Exception):
    def __init__(self, detail: str, status: int | None = None, wait: float | None = None,
                 outcome: str = "http_error") -> None:
        super().__init__(detail)
        self.detail, self.status, self.wait, self.outcome = detail, status, wait, outcome


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    return float(value) if value.isdigit() else None


def _request(client: httpx.Client, url: str, headers: dict, politeness: Politeness, hosts: _Hosts
             ) -> tuple[httpx.Response, bytes, str]:
    """One GET, following redirects by hand (only to http(s)); the body read up to the size limit.
    Returns (response, body, final URL); raises _Retry or _Refused."""
    current = httpx.URL(url)
    for _ in range(politeness.max_redirects + 1):
        host = current.host
        with hosts.slot(host):
            hosts.wait_turn(host)
            try:
                with client.stream("GET", current, headers=headers) as response:
                    if response.has_redirect_location:
                        location = current.join(response.headers.get("location", ""))
                        if location.scheme not in ("http", "https"):
                            raise _Refused("redirect_refused", f"redirected to {location}: only http(s) is "
                                           "followed", response.status_code)
                        current = location
                        continue
                    if response.status_code == 429 or response.status_code >= 500:
                        raise _Retry(f"HTTP {response.status_code}", response.status_code,
                                     _retry_after(response))
                    if response.status_code != 200:
                        return response, b"", str(current)
                    declared = response.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > politeness.max_bytes:
                        raise _Refused("too_large", f"Content-Length {declared} bytes, above the limit of "
                                       f"{politeness.max_bytes}", response.status_code)
                    body = bytearray()
                    for chunk in response.iter_bytes():
                        body += chunk
                        if len(body) > politeness.max_bytes:
                            raise _Refused("too_large", f"more than {politeness.max_bytes} bytes: abandoned",
                                           response.status_code)
                    return response, bytes(body), str(current)
            except httpx.TimeoutException as exc:
                raise _Retry(f"timed out after {politeness.timeout} s ({type(exc).__name__})",
                             outcome="timeout") from None
            except httpx.TransportError as exc:
                raise _Retry(f"{type(exc).__name__}: {exc}", outcome="network_error") from None
    raise _Refused("redirect_refused", f"more than {politeness.max_redirects} redirects")


def fetch_one(client: httpx.Client, source: manifests.Source, known: dict | None, store: Store,
              politeness: Politeness, hosts: _Hosts) -> tuple[FetchRow, dict | None]:
    """Fetch one URL; returns its log row and its new state entry (None: keep the old one)."""
    headers = {}
    if known and known.get("etag"):
        headers["If-None-Match"] = known["etag"]
    if known and known.get("last_modified"):
        headers["If-Modified-Since"] = known["last_modified"]
    row = FetchRow(url=source.url, fetched_at=_now(), outcome="network_error", **source.declared())
    wait = politeness.backoff
    for attempt in range(1, politeness.retries + 2):
        row.attempts = attempt
        try:
            response, body, final = _request(client, source.url, headers, politeness, hosts)
            break
        except _Refused as exc:
            row.outcome, row.detail, row.http_status = exc.outcome, exc.detail, exc.status
            return row, None
        except _Retry as exc:
            row.outcome, row.detail, row.http_status = exc.outcome, exc.detail, exc.status
            if attempt > politeness.retries:
                row.detail += f" ({attempt} tries)"
                return row, None
            time.sleep(min(exc.wait if exc.wait is not None else wait, politeness.max_backoff))
            wait *= 2
    row.http_status, row.final_url = response.status_code, final if final != source.url else None
    row.content_type = response.headers.get("content-type")
    if response.status_code == 304 and known:
        row.outcome, row.sha256, row.store_path = "not_modified", known["sha256"], known["store_path"]
        row.source_format, row.detail = known.get("source_format"), "304 Not Modified: nothing transferred"
        return row, None
    if response.status_code != 200:
        row.outcome = "not_found" if response.status_code in (404, 410) else "http_error"
        row.detail = f"HTTP {response.status_code}" + (
            "; the document loaded from it before stays loaded" if known else "")
        return row, None
    row.size_bytes = len(body)
    fmt, refusal = sniff(body, final)
    if refusal:
        row.outcome, row.page_title = refusal, page_title(body) if refusal == "html_not_document" else None
        row.detail = (f"an HTML page, not a document: {row.page_title or 'no title'}"
                      if refusal == "html_not_document" else
                      f"neither PDF, docx, doc nor text ({row.content_type or 'no Content-Type'})")
        return row, None
    sha = hashlib.sha256(body).hexdigest()
    row.sha256, row.source_format = sha, fmt
    row.etag, row.last_modified = response.headers.get("etag"), response.headers.get("last-modified")
    row.store_path = store.put(body, sha, fmt)
    row.outcome = "unchanged" if known and known["sha256"] == sha else "fetched"
    row.detail = "same bytes as before" if row.outcome == "unchanged" else f"{len(body)} bytes stored"
    return row, {"sha256": sha, "store_path": row.store_path, "source_format": fmt, "etag": row.etag,
                 "last_modified": row.last_modified, "fetched_at": row.fetched_at}


def fetch(manifest: str | Path, store: str | Path | None = None, politeness: Politeness = POLITE
          ) -> FetchSummary:
    """Fetch every url: entry of ``manifest`` (and of the manifests it includes) into the store."""
    sources = manifests.sources(manifest)
    target = Store.beside(manifest, store)
    # a URL whose stored file is gone is fetched afresh (a 304 would leave it with no document)
    state = {url: e for url, e in target.state().items() if (target.root / e["store_path"]).is_file()}
    hosts = _Hosts(politeness)
    timeout = httpx.Timeout(politeness.timeout)
    with httpx.Client(headers={"User-Agent": politeness.user_agent}, timeout=timeout,
                      follow_redirects=False) as client, ThreadPoolExecutor(politeness.workers) as pool:
        results = list(pool.map(lambda s: fetch_one(client, s, state.get(s.url), target, politeness, hosts),
                                sources))
    for source, (row, entry) in zip(sources, results, strict=True):
        if entry is not None:
            state[source.url] = entry
        (log.warning if row.failed else log.info)("%s %s: %s", row.outcome, row.url, row.detail)
    target.record([row for row, _ in results], state)
    return FetchSummary([row for row, _ in results])


def log_rows(store: Store) -> list[dict]:
    """The store's fetch log as raw.fetch_log rows (times and dates typed)."""
    rows = []
    for row in store.rows():
        row["fetched_at"] = datetime.strptime(row["fetched_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
        row["published_on"] = date.fromisoformat(row["published_on"]) if row.get("published_on") else None
        rows.append(row)
    return rows
