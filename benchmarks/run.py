"""Benchmarks of budget-etl on this machine: throughput, incremental cost, scaling, memory, query latency.

    .venv/bin/python benchmarks/run.py --sizes 100 1000 10000 --repeats 3 --out BENCHMARKS.md

For each size N it generates a synthetic corpus of N txt documents (``budget-etl synth``, N/5 offices x
2019-2023, fixed seed) and measures, ``--repeats`` times each, reporting medians:

- ``ingest``: ``budget-etl ingest`` into a new warehouse (read + parse + validate + load), documents/s;
- ``build``: ``budget-etl build`` (dbt) on that warehouse;
- ``run``: ``budget-etl run`` into a new published warehouse (the end-to-end run);
- ``nightly, nothing changed`` and ``nightly, one changed`` (one document re-published with new bytes,
  restored afterwards) on the published warehouse of ``run``;
- peak memory of each step, warehouse size on disk, and the latency of every query of docs/cookbook.md on
  the published warehouse;
- once, on one load chunk of the 1,000-document corpus: the load step in bulk (``warehouse.load_batch``)
  against the same rows inserted one by one through SQLAlchemy (duckdb-engine), as a ratio; and the
  time per document of each stage, in one process.

- with ``--pdf DIR`` (default ``../shared/real``, skipped when absent; ``--pdf-only`` for this part alone):
  the PDF reader on every PDF of DIR, pages per second on one core (in this process, median of
  ``--repeats``) and in a pool of one worker process per core (the whole set, wall time), against the
  targets of a 30-page PDF in 1.5 s on one core and the whole shared set in 20 s on 2 cores; and against
  the floor measured in the same run on the same files, ``pdftotext -layout`` (poppler-utils; the floor is
  left out when it is not installed): the reader's pages per CPU second within 5x of the floor's.

Every step runs the real command line in a subprocess (the PDF part times the reader in-process). Peak memory: ``largest process`` is the peak RSS of
the largest single process of the step (exact, from wait4); ``all processes`` is the peak of the summed PSS
of the step's process tree (the main process and its worker processes; pages they share are counted once),
sampled every 0.1 s. Results replace the part of the --out file between the two ``results`` markers (the
file is created if missing), so notes written around them survive a new run.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = str(Path(sys.executable).with_name("budget-etl"))
COOKBOOK = ROOT / "docs" / "cookbook.md"
START, END = "<!-- results:start -->", "<!-- results:end -->"
PDF_START, PDF_END = "<!-- pdf:start -->", "<!-- pdf:end -->"
PDF_DIR = ROOT.parent / "shared" / "real"
PDF_TARGETS = {"page30": 1.5, "set_pool": 20.0}  # s: a 30-page PDF on one core; the whole set on 2 cores
PDF_FLOOR_RATIO = 5.0  # the reader's CPU time per page at most this many times pdftotext -layout's
YEARS = (2019, 2023)
SEED = 7
NAIVE_CORPUS = 1000  # the naive baseline and the stage times use documents of this corpus

# (what, limit, unit): the targets of issue 17, checked against the medians below. Times are ratios to a
# floor measured in the same run on the same files, because absolute times do not travel between machines.
TARGETS = {
    "ingest_10k": ("txt ingest of 10,000 documents (2 cores) / the txt floor (1 core)", 3, "×"),
    "run_10k": ("`run` of 10,000 documents / the txt floor", 6, "×"),
    "pdf": ("PDF reading per core / `pdftotext -layout` (the PDF floor)", 5, "×"),
    "nightly_same_hashed": ("nightly, nothing changed: files re-hashed (size and mtime unchanged)", 0, "files"),
    "nightly_same": ("nightly, nothing changed, 10,000 documents", 1, "s"),
    "nightly_one": ("nightly, one document changed / (nightly nothing changed + parsing that document)", 3, "×"),
    "memory": ("peak memory of `ingest`, all processes: 10,000 documents / 1,000 documents", 1.1, "×"),
    "cookbook": ("each cookbook query, 10,000 documents (the slowest, either way of fetching)", 100, "ms"),
}
# one pass over every amount of a document: the extractor's own pattern of a number with its unit
FLOOR_AMOUNT = r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?\s*(?:万元|元)?"


@dataclass
class Step:
    """One run of one command: wall time, exit code, peak memory."""

    seconds: float
    exit_code: int
    largest_mb: float  # peak RSS of the largest single process
    total_mb: float  # peak summed PSS of the process tree (sampled)
    output: str = ""


@dataclass
class Measured:
    steps: dict[str, list[Step]] = field(default_factory=dict)
    warehouse_mb: float = 0.0
    raw_mb: float = 0.0
    cookbook: list[tuple[str, float, float, int]] = field(default_factory=list)  # title, arrow, rows, n
    documents: int = 0
    floor: dict = field(default_factory=dict)  # txt_floor() of the corpus
    parse_one: float = 0.0  # s to read, extract and validate the changed document, in one process
    hashed: list[int | None] = field(default_factory=list)  # files hashed by each nightly, nothing changed


# ---- running and measuring a command ------------------------------------------------------------------


def _tree(pid: int) -> list[int]:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return [pid]
    return [pid] + [p for child in children for p in _tree(int(child))]


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def measure(command: list[str], log: Path, ok: tuple[int, ...] = (0,)) -> Step:
    """Run a command, waiting with wait4 for its exact peak RSS while a thread samples the tree's PSS."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w", encoding="utf-8") as out:
        out.write("$ " + " ".join(command) + "\n")
        out.flush()
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=out, text=True)
        peak_pss = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak_pss
            while not done.is_set():
                peak_pss = max(peak_pss, sum(_pss_kb(p) for p in _tree(process.pid)))
                done.wait(0.1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        stdout = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        out.write(stdout)
    step = Step(seconds, process.returncode, usage.ru_maxrss / 1024, peak_pss / 1024, stdout)
    if step.exit_code not in ok:
        raise SystemExit(f"{' '.join(command)} exited with {step.exit_code}; see {log}")
    return step


# ---- the steps ----------------------------------------------------------------------------------------


def corpus(workdir: Path, size: int) -> Path:
    """The synthetic corpus of ``size`` documents (generated once; the generator is deterministic)."""
    folder = workdir / f"corpus-{size}"
    if not (folder / "sources.yml").exists():
        if size % 5:
            raise SystemExit(f"--sizes: {size} is not a multiple of 5 (offices x 5 years)")
        subprocess.run([CLI, "synth", "--offices", str(size // 5), "--years", f"{YEARS[0]}-{YEARS[1]}",
                        "--out", str(folder), "--seed", str(SEED)], check=True, stdout=subprocess.DEVNULL)
    found = sum(1 for _ in folder.rglob("*.txt"))
    if found != size:
        raise SystemExit(f"{folder} holds {found} documents, not {size}: remove it and run again")
    return folder


def txt_floor(docs: Path) -> dict:
    """The least any ingest must do, in this process on one core: read every document, sha256 it, decode it
    and find every amount with one regular expression pass. Wall and CPU seconds."""
    amount = re.compile(FLOOR_AMOUNT)
    files = sorted(docs.rglob("*.txt"))
    wall, cpu = time.perf_counter(), time.process_time()
    size = found = 0
    for path in files:
        data = path.read_bytes()
        hashlib.sha256(data).hexdigest()
        found += len(amount.findall(data.decode("utf-8")))
        size += len(data)
    return {"seconds": time.perf_counter() - wall, "cpu": time.process_time() - cpu, "documents": len(files),
            "mb": size / 2**20, "amounts": found}


def pdf_floor(folder: Path) -> dict:
    """`pdftotext -layout` (poppler) over every PDF of ``folder``, file after file on one core (wall time
    including starting the program); None when it is not installed."""
    program = shutil.which("pdftotext")
    if program is None:
        return {}
    files = sorted(folder.glob("*.pdf"))
    started = time.perf_counter()
    for path in files:
        subprocess.run([program, "-layout", str(path), "-"], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)  # font warnings of some PDFs
    return {"seconds": time.perf_counter() - started, "files": len(files)}


def parse_one(path: Path, published: Path, runs: int = 5) -> float:
    """Seconds to read, extract, validate and lay out one document in this process (what a nightly run does
    with a changed document before loading it), median of ``runs`` after a warm-up."""
    import duckdb

    from budget_etl.load import warehouse
    from budget_etl.ops import pipeline

    with duckdb.connect(str(published), read_only=True) as con:
        schemas = warehouse.raw_schemas(con)
    times = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        prepared = pipeline._prepare([((path,), False)], schemas)
        times.append(time.perf_counter() - started)
        if prepared.refused:
            raise SystemExit(f"{path} was refused: {prepared.refused[0].reason}")
    return statistics.median(times[1:])


def hashed_files(log: Path) -> int | None:
    """Files a nightly run hashed, from its log line (budget_etl.ops.nightly)."""
    found = re.search(r"hashed (\d+) files", log.read_text(encoding="utf-8"))
    return int(found[1]) if found else None


def one_size(workdir: Path, size: int, repeats: int) -> Measured:
    docs = corpus(workdir, size)
    work = workdir / f"size-{size}"
    measured = Measured(documents=size)
    steps = measured.steps
    floors: list[dict] = []
    changed = sorted(docs.rglob("*.txt"))[size // 2]
    original = changed.read_bytes()
    for repeat in range(1, repeats + 1):
        print(f"  {size} documents, run {repeat} of {repeats}", flush=True)
        logs = work / "logs" / str(repeat)
        staging = work / "ingest.duckdb"
        published = work / "published" / "budget.duckdb"
        for path in (staging, staging.with_name(staging.name + ".lock"), staging.with_name(staging.name + ".wal")):
            path.unlink(missing_ok=True)
        if published.parent.exists():
            shutil.rmtree(published.parent)
        txt_floor(docs)  # untimed: warms the page cache, as the floor's own pass warms it for the commands
        floors.append(txt_floor(docs))

        steps.setdefault("ingest", []).append(
            measure([CLI, "ingest", "--quiet", "--warehouse", str(staging), str(docs)], logs / "ingest.log"))
        measured.raw_mb = staging.stat().st_size / 2**20
        steps.setdefault("build", []).append(
            measure([CLI, "build", "--warehouse", str(staging)], logs / "build.log"))
        steps.setdefault("run", []).append(
            measure([CLI, "run", "--quiet", "--warehouse", str(published), str(docs)], logs / "run.log"))
        measured.warehouse_mb = published.stat().st_size / 2**20
        steps.setdefault("nightly_same", []).append(
            measure([CLI, "nightly", "--warehouse", str(published), str(docs)], logs / "nightly-same.log"))
        measured.hashed.append(hashed_files(logs / "nightly-same.log"))
        try:  # the same disclosure re-published: new bytes (blank lines at the end), same facts
            changed.write_bytes(original + b"\n" * repeat)
            step = measure([CLI, "nightly", "--warehouse", str(published), str(docs)], logs / "nightly-one.log")
        finally:
            changed.write_bytes(original)
        log_text = (logs / "nightly-one.log").read_text(encoding="utf-8")
        if "0 new, 1 changed" not in log_text:
            raise SystemExit(f"the nightly run did not load exactly one changed document: {logs}")
        steps.setdefault("nightly_one", []).append(step)
    measured.floor = min(floors, key=lambda f: f["seconds"])  # the floor: the fastest of the repeats
    measured.parse_one = parse_one(changed, published)
    measured.cookbook = cookbook_latency(published)
    return measured


def recipes() -> list[tuple[str, str]]:
    """(title, sql) of every ``## N. title`` section of the cookbook (as tests/test_cookbook.py reads it)."""
    text = COOKBOOK.read_text(encoding="utf-8")
    return [(section.splitlines()[0], re.findall(r"```sql\n(.*?)```", section, re.S)[0])
            for section in re.split(r"^## ", text, flags=re.M)[1:]]


def cookbook_latency(path: Path, runs: int = 7) -> list[tuple[str, float, float, int]]:
    """Median ms of each cookbook query on a read-only connection (after one warm-up run): with the result
    fetched as an Arrow table, and as Python rows (fetchall: one tuple per row, Decimals and all)."""
    import duckdb

    results = []
    with duckdb.connect(str(path), read_only=True) as con:
        for title, sql in recipes():
            con.sql(sql).fetchall()
            arrow, rows = [], []
            for _ in range(runs):
                started = time.perf_counter()
                count = con.sql(sql).to_arrow_table().num_rows
                arrow.append(time.perf_counter() - started)
                started = time.perf_counter()
                con.sql(sql).fetchall()
                rows.append(time.perf_counter() - started)
            results.append((title, statistics.median(arrow) * 1000, statistics.median(rows) * 1000, count))
    return results


# ---- in one process: the stages, and the naive load ---------------------------------------------------


def stage_times(docs: Path, count: int, scratch: Path) -> dict[str, float]:
    """ms per document of each stage of ingest, in one process and one core, on the first ``count``
    documents of a corpus: what a worker process does for each slice of TASK_FILES documents, then the
    insert the main process does for each LOAD_CHUNK."""
    import pyarrow as pa

    from budget_etl import extract, readers, validate
    from budget_etl.load import warehouse
    from budget_etl.ops import pipeline

    files = sorted(docs.rglob("*.txt"))[:count]
    n = len(files)
    times: dict[str, float] = {}

    def timed(name, work):
        started = time.perf_counter()
        out = work()
        times[name] = (time.perf_counter() - started) * 1000 / n
        return out

    data = timed("read the file", lambda: [path.read_bytes() for path in files])
    read = timed("decode, normalise, find paragraphs and tables",
                 lambda: [readers.read_bytes(b, path.name) for b, path in zip(data, files, strict=True)])
    facts = timed("extract the facts", lambda: [extract.extract(r, is_synthetic=True) for r in read])
    documents = [warehouse.document_row(f, r, data=b, source_path=str(path))
                 for f, r, b, path in zip(facts, read, data, files, strict=True)]
    rows = timed("staging rows", lambda: [warehouse.fact_rows(f, d["document_id"])
                                          for f, d in zip(facts, documents, strict=True)])
    slices = [range(start, min(start + pipeline.TASK_FILES, n)) for start in range(0, n, pipeline.TASK_FILES)]
    checks = timed("validate (pandera schemas, identities)", lambda: [
        result for part in slices for result in validate.validate_documents(
            [(facts[i], documents[i]) for i in part], [rows[i] for i in part])])
    staged = [warehouse.StagedDocument(documents[i], facts[i], checks[i].rows, rows[i]) for i in range(n)]
    path = scratch / "stages.duckdb"
    path.unlink(missing_ok=True)
    con = warehouse.connect(path)
    try:
        schemas = warehouse.raw_schemas(con)
        tables = timed("lay out Arrow tables",
                       lambda: [warehouse.staging_tables(schemas, [staged[i] for i in part]) for part in slices])
        per_load = max(1, pipeline.LOAD_CHUNK // pipeline.TASK_FILES)
        loads = [tables[start:start + per_load] for start in range(0, len(tables), per_load)]
        timed("insert into DuckDB (main process)", lambda: [warehouse.load_tables(
            con, {name: pa.concat_tables([t[name] for t in load]) for name in load[0]}) for load in loads])
    finally:
        con.close()
        path.unlink(missing_ok=True)
    return times


def naive_load(docs: Path, count: int, repeats: int, scratch: Path) -> dict:
    """The load step on the same parsed rows of ``count`` documents: in bulk (``warehouse.load_batch``:
    Arrow tables, one insert per table) against one INSERT per row through SQLAlchemy (duckdb-engine),
    each into a new warehouse with the same staging DDL, in one transaction each."""
    from sqlalchemy import create_engine, text

    from budget_etl.load import warehouse
    from budget_etl.ops import pipeline

    files = sorted(docs.rglob("*.txt"))[:count]
    staged, refused = pipeline._validated([pipeline._parse((path,), True) for path in files])
    if refused:
        raise SystemExit(f"{len(refused)} documents of {docs} were refused")
    loaded_at = warehouse.now()
    rows = []
    for doc in staged:
        rows.append(("documents", {**doc.document, "batch_id": "naive", "loaded_at": loaded_at}))
        rows += [(table, row) for table, table_rows in warehouse.fact_rows(doc.facts, doc.document_id).items()
                 for row in table_rows]
        rows += [("validation_results", row) for row in doc.validation]
    bulk, naive = [], []
    counts = {}
    for _ in range(repeats):
        for name in ("bulk", "naive"):
            path = scratch / f"{name}.duckdb"
            path.unlink(missing_ok=True)
            con = warehouse.connect(path)  # the staging DDL
            if name == "bulk":
                started = time.perf_counter()
                warehouse.load_batch(con, staged, batch_id="bulk")
                bulk.append(time.perf_counter() - started)
                con.close()
            else:
                con.close()
                engine = create_engine(f"duckdb:///{path}")
                statements = {}
                started = time.perf_counter()
                with engine.begin() as connection:
                    for table, row in rows:
                        key = (table, tuple(row))
                        if key not in statements:
                            statements[key] = text(f"insert into raw.{table} ({', '.join(row)}) "
                                                   f"values ({', '.join(':' + column for column in row)})")
                        connection.execute(statements[key], row)
                naive.append(time.perf_counter() - started)
                engine.dispose()
            with warehouse.connect(path) as con:
                counts[name] = [con.execute(f"select count(*) from raw.{table}").fetchall()[0][0]
                                for table in ("documents", "projects", "validation_results")]
            path.unlink(missing_ok=True)
        if counts["bulk"] != counts["naive"]:
            raise SystemExit(f"the two loads differ: {counts}")
    return {"documents": len(staged), "rows": len(rows), "bulk": statistics.median(bulk),
            "naive": statistics.median(naive)}


# ---- the report ---------------------------------------------------------------------------------------


def machine() -> list[tuple[str, str]]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "?")
    memory = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal:"))
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in
                         ("duckdb", "dbt-core", "dbt-duckdb", "pyarrow", "pandas", "pandera", "sqlalchemy",
                          "duckdb-engine"))
    return [
        ("CPU", f"{cpu}, {os.cpu_count()} cores (`nproc`)"),
        ("Memory", f"{memory / 2**20:.1f} GiB (`free -h`: total)"),
        ("System", f"{platform.system()} {platform.release()}, {platform.machine()}"),
        ("Python", platform.python_version()),
        ("Packages", versions),
        ("Load average when the run started", " / ".join(f"{v:.2f}" for v in os.getloadavg())),
    ]


def _median(steps: list[Step], attr: str = "seconds") -> float:
    return statistics.median(getattr(s, attr) for s in steps)


def _cell(steps: list[Step], fmt: str = "{:.1f}") -> str:
    values = [s.seconds for s in steps]
    text = fmt.format(statistics.median(values))
    return text + (f" ({fmt.format(min(values))}–{fmt.format(max(values))})" if len(values) > 1 else "")


STEP_NAMES = {
    "ingest": "`ingest` (read, parse, validate, load)",
    "build": "`build` (dbt build, threads 2)",
    "run": "`run`: end to end, into a new warehouse",
    "nightly_same": "`nightly`, nothing changed",
    "nightly_one": "`nightly`, one document changed",
}


def floors_section(results: dict[int, Measured], pdf: dict | None, pdf_base: dict | None) -> list[str]:
    out = ["### Floors", "",
           "What any implementation must at least do, measured in this run on the same files, in one process "
           "on one core (the fastest of the repeats, each after an untimed pass that warms the page cache). "
           "*txt*: read every document, sha256 it, decode it and find every amount with one regular expression. "
           "*PDF*: `pdftotext -layout` (poppler) over every PDF, file after file, each in its own process.", "",
           "| floor | files | MB | wall s | CPU s | rate |", "|---|---|---|---|---|---|"]
    for n, m in sorted(results.items()):
        f = m.floor
        out.append(f"| txt, {n:,}-document corpus | {f['documents']:,} | {f['mb']:.0f} | {f['seconds']:.2f} | "
                   f"{f['cpu']:.2f} | {f['documents'] / f['seconds']:,.0f} documents/s, {f['amounts']:,} amounts |")
    if pdf and pdf_base:
        pages = sum(x[1] for x in pdf["files"])
        out.append(f"| PDF, `{PDF_DIR.name}/` | {pdf_base['files']} | | {pdf_base['seconds']:.2f} | | "
                   f"{pages / pdf_base['seconds']:.0f} pages/s |")
    else:
        out.append("| PDF | | | | | not measured (no PDF folder, or no `pdftotext`: `apt-get install poppler-utils`) |")
    out += ["", "Each step as a multiple of the txt floor of its corpus (wall time over the floor's wall time):", "",
            "| step | " + " | ".join(f"{n:,} documents" for n in sorted(results)) + " |",
            "|---" * (len(results) + 1) + "|"]
    for key, name in STEP_NAMES.items():
        out.append(f"| {name} | " + " | ".join(
            f"{_median(m.steps[key]) / m.floor['seconds']:.1f}×" for _, m in sorted(results.items())) + " |")
    return [*out, ""]


def targets_section(results: dict[int, Measured], pdf: dict | None, pdf_base: dict | None) -> list[str]:
    """The targets of issue 17, each measured or said why not."""
    big, small = results.get(10000), results.get(1000)
    rows: dict[str, tuple[float | None, str]] = {}
    if big:
        floor = big.floor["seconds"]
        ingest, run = _median(big.steps["ingest"]), _median(big.steps["run"])
        same, one = _median(big.steps["nightly_same"]), _median(big.steps["nightly_one"])
        rows["ingest_10k"] = (ingest / floor, f"{ingest / floor:.1f}× ({ingest:.1f} s / {floor:.1f} s)")
        rows["run_10k"] = (run / floor, f"{run / floor:.1f}× ({run:.1f} s / {floor:.1f} s)")
        hashed = [h for h in big.hashed if h is not None]
        rows["nightly_same_hashed"] = (max(hashed) if hashed else None,
                                       f"{max(hashed)} of 10,000" if hashed else "not in the log")
        rows["nightly_same"] = (same, f"{same:.2f} s")
        base = same + big.parse_one
        rows["nightly_one"] = (one / base, f"{one / base:.1f}× ({one:.1f} s / ({same:.2f} s + "
                                           f"{big.parse_one * 1000:.0f} ms))")
        slowest = max(big.cookbook, key=lambda q: q[1])  # fetched as Arrow
        slowest_rows = max(big.cookbook, key=lambda q: q[2])  # fetched as Python rows
        rows["cookbook"] = (max(slowest[1], slowest_rows[2]),
                            f"{slowest[1]:.0f} ms fetched as Arrow ({slowest[0].split(' / ')[0]}), "
                            f"{slowest_rows[2]:.0f} ms as Python rows ({slowest_rows[0].split(' / ')[0]})")
    if big and small:
        peak_big = _median(big.steps["ingest"], "total_mb")
        peak_small = _median(small.steps["ingest"], "total_mb")
        main_big = _median(big.steps["ingest"], "largest_mb")
        main_small = _median(small.steps["ingest"], "largest_mb")
        rows["memory"] = (peak_big / peak_small,
                          f"{peak_big / peak_small:.2f}× ({peak_big:.0f} MB / {peak_small:.0f} MB; largest "
                          f"process {main_big:.0f} / {main_small:.0f} MB)")
    if pdf and pdf_base:
        reader = sum(x[2] for x in pdf["files"])  # one core, file after file
        rows["pdf"] = (reader / pdf_base["seconds"],
                       f"{reader / pdf_base['seconds']:.1f}× ({reader:.1f} s / {pdf_base['seconds']:.2f} s)")
    out = ["### Targets", "", "| target | limit | measured | met |", "|---|---|---|---|"]
    for key, (what, limit, unit) in TARGETS.items():
        value, text = rows.get(key, (None, "not measured in this run"))
        met = "" if value is None else ("yes" if value <= limit else "**no**")
        out.append(f"| {what} | ≤ {limit:,} {unit} | {text} | {met} |")
    return [*out, ""]


def report(results: dict[int, Measured], naive: dict | None, stages: dict | None, command: str,
           started: datetime, facts: list[tuple[str, str]], repeats: int, pdf: dict | None = None,
           pdf_base: dict | None = None) -> str:
    sizes = sorted(results)
    head = " | ".join(f"{n:,} documents" for n in sizes)
    rule = "|---" * (len(sizes) + 1) + "|"
    out = [START, "", "## Results", "",
           f"Measured {started:%Y-%m-%d %H:%M} UTC with `{command}`: medians of {repeats} runs, the range in "
           "brackets. Every step is the real command line in its own process.", "",
           "### Machine", "", "| | |", "|---|---|", *[f"| {k} | {v} |" for k, v in facts], ""]

    out += floors_section(results, pdf, pdf_base)
    out += targets_section(results, pdf, pdf_base)

    out += ["### Time, s", "", f"| step | {head} |", rule]
    for key, name in STEP_NAMES.items():
        out.append(f"| {name} | " + " | ".join(_cell(results[n].steps[key]) for n in sizes) + " |")
    out.append("| ingest throughput, documents/s | " + " | ".join(
        f"{n / _median(results[n].steps['ingest']):.0f}" for n in sizes) + " |")
    out.append("| dbt's own time within `build` | " + " | ".join(
        f"{statistics.median(_dbt_seconds(s) for s in results[n].steps['build']):.1f}" for n in sizes) + " |")
    out += ["", "`build` and `run` include starting Python and importing dbt (a few seconds); `nightly, one "
            "changed` hashes every file, copies the published warehouse, loads the new version and runs "
            "`dbt build` on the copy.", ""]

    out += ["### Peak memory, MB: all processes / largest process", "", f"| step | {head} |", rule]
    for key, name in STEP_NAMES.items():
        out.append(f"| {name} | " + " | ".join(
            f"{_median(results[n].steps[key], 'total_mb'):.0f} / {_median(results[n].steps[key], 'largest_mb'):.0f}"
            for n in sizes) + " |")
    out += ["", "*All processes*: the peak of the summed PSS of the command's process tree (the main "
            "process and its parsing workers; a page they share counts once), sampled every 0.1 s. *Largest "
            "process*: the peak RSS of the largest single process, exact (wait4).", ""]

    out += ["### Warehouse size on disk, MB", "", f"| file | {head} |", rule,
            "| after `ingest` (schema raw only) | " + " | ".join(f"{results[n].raw_mb:.1f}" for n in sizes) + " |",
            "| published by `run` (raw + marts) | " + " | ".join(
                f"{results[n].warehouse_mb:.1f}" for n in sizes) + " |", ""]

    largest = sizes[-1]
    out += [f"### Cookbook queries on the {largest:,}-document warehouse, ms", "",
            "Each query of docs/cookbook.md on a read-only connection, median of 7 runs after a warm-up: "
            "with the result fetched as an Arrow table (what pandas / polars / BI tools take), and as Python "
            "rows (`fetchall()`: a tuple per row, a `Decimal` per amount).", "",
            "| query | rows | Arrow | Python rows |", "|---|---|---|---|",
            *[f"| {title} | {count:,} | {arrow:.0f} | {rows:.0f} |"
              for title, arrow, rows, count in results[largest].cookbook], ""]

    if naive:
        ratio = naive["naive"] / naive["bulk"]
        out += ["### The load step: bulk against row by row", "",
                f"The same parsed rows of {naive['documents']} documents (one load chunk of the "
                f"{NAIVE_CORPUS:,}-document corpus: {naive['rows']:,} rows in documents, 13 fact tables and "
                "validation_results), each into a new warehouse with the same staging DDL, one transaction "
                f"each, median of {repeats} runs.", "",
                "| load | s | rows/s |", "|---|---|---|",
                f"| bulk: `warehouse.load_batch` (Arrow tables, one insert per table) | {naive['bulk']:.2f} | "
                f"{naive['rows'] / naive['bulk']:,.0f} |",
                f"| naive: one INSERT per row through SQLAlchemy (duckdb-engine) | {naive['naive']:.1f} | "
                f"{naive['rows'] / naive['naive']:,.0f} |",
                f"| **ratio** | **{ratio:.0f}×** | |", "",
                f"At that rate the naive load of 10,000 documents would take about "
                f"{naive['naive'] * 10000 / naive['documents'] / 60:.0f} minutes (extrapolated, not measured).",
                ""]
    if stages:
        out += ["### Where the time goes: each stage in one process", "",
                "ms per document on one core (the first "
                f"{NAIVE_CORPUS:,} documents of the {NAIVE_CORPUS:,}-document corpus); `ingest` runs every stage "
                "but the insert in worker processes, one per core, and the insert in the main process.", "",
                "| stage | ms per document | CPU s for 10,000 documents |", "|---|---|---|",
                *[f"| {name} | {ms:.2f} | {ms * 10:.1f} |" for name, ms in stages.items()],
                f"| total | {sum(stages.values()):.2f} | {sum(stages.values()) * 10:.1f} |", ""]
    out.append(END)
    return "\n".join(out)


def _read_pdf(path: Path) -> tuple[float, float]:
    """Read one PDF (also in a worker): the wall and the CPU seconds the reader took."""
    from budget_etl.readers import read_path

    wall, cpu = time.perf_counter(), time.process_time()
    read_path(path)
    return time.perf_counter() - wall, time.process_time() - cpu


def _pdftotext(path: Path) -> tuple[float, float]:
    """``pdftotext -layout`` on one PDF (the floor): the wall and the CPU seconds of its process."""
    import resource  # getrusage: microseconds, where os.times counts clock ticks (10 ms)

    before, wall = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    subprocess.run(["pdftotext", "-layout", str(path), "-"], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (time.perf_counter() - wall,
            after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)


def pdf_throughput(folder: Path, repeats: int) -> dict:
    """The PDF reader on every PDF of ``folder``: per file on one core, and the whole set in a pool; and the
    floor, ``pdftotext -layout`` on the same files (None without poppler-utils)."""
    from concurrent.futures import ProcessPoolExecutor

    import pypdfium2

    files = sorted(folder.glob("*.pdf"))
    per_file = []
    for path in files:
        pages = len(pypdfium2.PdfDocument(path))
        runs = [_read_pdf(path) for _ in range(repeats)]
        per_file.append((path.name, pages, statistics.median(w for w, _ in runs),
                         statistics.median(c for _, c in runs)))
    floor = None
    if shutil.which("pdftotext"):
        runs = [[_pdftotext(path) for path in files] for _ in range(repeats)]
        floor = [(statistics.median(run[i][0] for run in runs), statistics.median(run[i][1] for run in runs))
                 for i in range(len(files))]
    workers = os.cpu_count() or 1
    pool_runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        with ProcessPoolExecutor(max_workers=workers) as pool:
            list(pool.map(_read_pdf, files))
        pool_runs.append(time.perf_counter() - started)
    return {"files": per_file, "floor": floor, "workers": workers, "pool": statistics.median(pool_runs),
            "load": os.getloadavg()[0]}


def pdf_report(pdf: dict, folder: Path, command: str, started: datetime, repeats: int) -> str:
    files, floor = pdf["files"], pdf["floor"]
    pages = sum(f[1] for f in files)
    wall, cpu = sum(f[2] for f in files), sum(f[3] for f in files)
    worst = max(files, key=lambda f: f[2] / f[1])
    page30, page30_cpu = worst[2] / worst[1] * 30, worst[3] / worst[1] * 30

    def met(value: float, limit: float) -> str:
        return "yes" if value <= limit else "**no**"

    out = [PDF_START, "", "## PDF reading", "",
           f"Measured {started:%Y-%m-%d %H:%M} UTC with `{command}` on the {len(files)} PDFs of "
           f"`{folder.name}/` ({pages} pages): the reader alone (`readers.read_path`: characters, ruling "
           f"lines, tables, paragraphs), medians of {repeats} runs. One core: in one process, file after file "
           "(wall time, and the CPU time of the process). Pool: one worker process per core "
           f"({pdf['workers']}), the whole set, wall time including starting the workers. Floor: "
           "`pdftotext -layout` (poppler) on the same files in the same run, one process per file (its start "
           "included), CPU time of those processes; the ratio compares CPU time per page, which a busy machine "
           f"moves less than wall time. The machine's load average was {pdf['load']:.1f} on {os.cpu_count()} "
           "cores: on a busy machine wall times exceed the CPU times by that much.", "",
           "| target | limit | measured | met |", "|---|---|---|---|",
           f"| a 30-page PDF on one core | ≤ {PDF_TARGETS['page30']} s | {page30:.2f} s wall, {page30_cpu:.2f} s "
           f"CPU (the slowest per page, {worst[0]}: {worst[1]} pages in {worst[2]:.2f} s) "
           f"| {met(page30, PDF_TARGETS['page30'])} |",
           f"| the whole set on {pdf['workers']} cores | ≤ {PDF_TARGETS['set_pool']:.0f} s | {pdf['pool']:.1f} s "
           f"| {met(pdf['pool'], PDF_TARGETS['set_pool'])} |"]
    if floor:
        floor_wall, floor_cpu = sum(w for w, _ in floor), sum(c for _, c in floor)
        ratio = cpu / floor_cpu
        out.append(f"| one core against the floor (`pdftotext -layout`), CPU time per page | ≤ {PDF_FLOOR_RATIO:.0f}× "
                   f"(≥ {pages / floor_cpu / PDF_FLOOR_RATIO:.0f} pages per CPU s) | {ratio:.1f}× "
                   f"({pages / cpu:.0f} against {pages / floor_cpu:.0f} pages per CPU s) "
                   f"| {met(ratio, PDF_FLOOR_RATIO)} |")
    else:
        out.append("| one core against the floor (`pdftotext -layout`) | ≤ 5× | not measured: `pdftotext` is not "
                   "installed (`make system` installs poppler-utils) | |")
    out += ["", "| | wall s | pages/s | CPU s | pages per CPU s |", "|---|---|---|---|---|",
            f"| one core, file after file | {wall:.1f} | {pages / wall:.0f} | {cpu:.1f} | {pages / cpu:.0f} |",
            f"| pool of {pdf['workers']} processes | {pdf['pool']:.1f} | {pages / pdf['pool']:.0f} | | |"]
    if floor:
        out.append(f"| floor: `pdftotext -layout`, file after file | {floor_wall:.1f} | {pages / floor_wall:.0f} "
                   f"| {floor_cpu:.2f} | {pages / floor_cpu:.0f} |")
    out += ["", "| file | pages | wall s | CPU s | pages/s (wall) | floor CPU s | × floor (CPU) |",
            "|---|---|---|---|---|---|---|"]
    for i, (name, n, w, c) in enumerate(files):
        versus = f"{floor[i][1]:.2f} | {c / floor[i][1]:.1f}" if floor and floor[i][1] > 0 else " | "
        out.append(f"| {name} | {n} | {w:.2f} | {c:.2f} | {n / w:.0f} | {versus} |")
    out += ["", PDF_END]
    return "\n".join(out)


def _dbt_seconds(step: Step) -> float:
    found = re.search(r"dbt build: .* in ([0-9.]+)s", step.output)
    return float(found[1]) if found else float("nan")


def write(out: Path, results_md: str, start: str = START, end: str = END) -> None:
    """Replace the part of ``out`` between the markers; a part without markers yet is appended."""
    text = out.read_text(encoding="utf-8") if out.exists() else "# Benchmarks\n"
    if start not in text or end not in text:
        text = text.rstrip("\n") + f"\n\n{start}\n{end}\n"
    before, rest = text.split(start, 1)
    out.write_text(before + results_md + rest.split(end, 1)[1], encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/bench-budget-etl"),
                        help="corpora, warehouses and logs (kept: corpora are reused by the next run)")
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument("--naive-documents", type=int, default=200,
                        help="documents of the naive baseline (one load chunk)")
    parser.add_argument("--pdf", type=Path, default=PDF_DIR,
                        help="a folder of PDFs for the PDF reading part (skipped when it does not exist)")
    parser.add_argument("--pdf-only", action="store_true", help="run the PDF reading part only")
    parser.add_argument("--skip-in-process", action="store_true",
                        help="skip the naive baseline and the stage times (they import budget_etl here)")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # failed identities of the planted slips, in the in-process parts
    started = datetime.now(UTC)
    command = " ".join([".venv/bin/python", "benchmarks/run.py", *sys.argv[1:]])
    pdf = pdf_base = None
    if args.pdf.is_dir():
        print("PDF reading", flush=True)
        pdf_base = pdf_floor(args.pdf) or None
        pdf = pdf_throughput(args.pdf, args.repeats)
        write(args.out, pdf_report(pdf, args.pdf, command, started, args.repeats), PDF_START, PDF_END)
    if args.pdf_only:
        print(f"wrote {args.out}")
        return
    facts = machine()
    args.workdir.mkdir(parents=True, exist_ok=True)
    results = {}
    for size in sorted(args.sizes):
        print(f"{size} documents", flush=True)
        results[size] = one_size(args.workdir, size, args.repeats)
    naive = stages = None
    # written now too, so that a failure of the in-process parts below loses none of the steps' measurements
    write(args.out, report(results, naive, stages, command, started, facts, args.repeats, pdf, pdf_base))
    if not args.skip_in_process:
        docs = corpus(args.workdir, NAIVE_CORPUS)
        print("stage times", flush=True)
        stages = stage_times(docs, NAIVE_CORPUS, args.workdir)
        print("the naive load", flush=True)
        naive = naive_load(docs, args.naive_documents, args.repeats, args.workdir)
    write(args.out, report(results, naive, stages, command, started, facts, args.repeats, pdf, pdf_base))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
