"""Benchmark of the distributed executor (docs/distributed.md) on this machine; results into BENCHMARKS.md.

    .venv/bin/python benchmarks/cluster.py --documents 200 --repeats 2 --out BENCHMARKS.md

- ``budget-etl ingest`` of one synthetic txt corpus (``--documents``, ``budget-etl synth``) into a new
  warehouse: the local process pool, then ``--executor dask`` on a local cluster of 1 and of 2 workers (each
  run with a new lake), median of ``--repeats``: wall time and CPU time of the whole command (all its
  processes), throughput, the ratio to the local pool and the overhead per document;
- the same corpus loaded from the lake alone (a new warehouse, every part already there: nothing parsed, no
  cluster): the rate of the driver's load, the ceiling of any cluster loading one warehouse;
- CPU seconds per document, in this process, of each format: the synthetic txt and docx documents and the
  real PDFs of ``--pdf`` (default ``../shared/real``; skipped when absent): read, extract, validate and lay
  out (``pipeline._prepare`` on slices of 10), as a worker does;
- the time for 10^6 documents on N cores, extrapolated from those costs, the CPU overhead per document of
  Dask with 2 workers and the load rate (both at the margin: the same runs on a corpus a quarter of the
  size are subtracted, which leaves out the fixed cost of a command and a cluster).

Results replace the part of the --out file between the ``distributed`` markers (the file is created if
missing). The machine's load average is written with them: the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
CLI = str(Path(sys.executable).with_name("budget-etl"))
START, END = "<!-- distributed:start -->", "<!-- distributed:end -->"
PDF_DIR = ROOT.parent / "shared" / "real"
CORES = (2, 16, 64, 256, 1024)
MILLION = 1_000_000


def synth(out: Path, documents: int, fmt: str = "txt") -> Path:
    if not out.exists():
        subprocess.run([CLI, "synth", "--offices", str(max(1, documents // 5)), "--years", "2019-2023",
                        "--format", fmt, "--seed", "7", "--out", str(out)], check=True, capture_output=True)
    return out


def ingest_run(corpus: Path, scratch: Path, *options: str, lake: Path | None = None) -> tuple[float, float]:
    """(wall seconds, CPU seconds of all its processes) of one ``budget-etl ingest`` into a new warehouse (and
    a new lake unless ``lake``). CPU time is the sum over the command and the worker processes it waited for
    (RUSAGE_CHILDREN): on a shared machine it moves far less than the wall time."""
    warehouse = scratch / "w.duckdb"
    for path in (warehouse, scratch / "w.lake"):
        shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
    extra = ["--lake", str(lake)] if lake else []
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([CLI, "ingest", "--quiet", "--warehouse", str(warehouse), *options, *extra, str(corpus)],
                          capture_output=True, text=True)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"ingest {' '.join(options)} failed:\n{done.stderr[-2000:]}")
    return seconds, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def load_from_lake(lake: Path, scratch: Path) -> float:
    """CPU seconds of this process to load every part of the lake into a new warehouse, a group of parts (a
    task's documents of one year and province) per ``warehouse.load_tables``, as the driver does."""
    from budget_etl.load import warehouse
    from budget_etl.ops import distributed

    path = scratch / "from-lake.duckdb"
    path.unlink(missing_ok=True)
    groups = sorted({parts for parts, _ in distributed.lake_index(lake).values()})
    con = warehouse.connect(path)
    started = time.process_time()
    for parts in groups:
        warehouse.load_tables(con, distributed.read_parts([list(parts)]))
    seconds = time.process_time() - started
    con.close()
    return seconds


def cpu_per_document(files: list[Path], slice_size: int = 10) -> float:
    """CPU seconds per document in this process: read, extract, validate and lay out as Arrow tables
    (``pipeline._prepare`` on slices, as a worker does)."""
    import duckdb

    from budget_etl.catalog.ddl import ddl
    from budget_etl.load import warehouse
    from budget_etl.ops import pipeline

    con = duckdb.connect()
    con.execute(ddl())
    schemas = warehouse.raw_schemas(con)
    pipeline._prepare([((files[0],), True)], schemas)  # imports and caches warm
    started = time.process_time()
    for start in range(0, len(files), slice_size):
        pipeline._prepare([((f,), f.suffix != ".pdf") for f in files[start:start + slice_size]], schemas)
    return (time.process_time() - started) / len(files)


def duration(seconds: float) -> str:
    if seconds >= 86400:
        return f"{seconds / 86400:.1f} d"
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.0f} min"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--pdf", type=Path, default=PDF_DIR)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/bench-budget-etl-distributed"))
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    started = datetime.now(UTC)
    corpus = synth(args.workdir / f"txt-{args.documents}", args.documents)
    n = len(list(corpus.rglob("*.txt")))
    scratch = args.workdir / "scratch"
    scratch.mkdir(exist_ok=True)

    options = {"local pool (2 processes)": (), "dask, 1 worker": ("--executor", "dask", "--workers", "1"),
               "dask, 2 workers": ("--executor", "dask", "--workers", "2")}
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in options}
    for _ in range(args.repeats):
        for name in runs:
            runs[name].append(ingest_run(corpus, scratch, *options[name]))
    wall = {name: statistics.median(w for w, _ in measured) for name, measured in runs.items()}
    cpu = {name: statistics.median(c for _, c in measured) for name, measured in runs.items()}
    local = "local pool (2 processes)"
    # the same on a corpus a quarter of the size: the difference is the cost per document without the fixed
    # cost of a command (start-up, imports, a cluster)
    quarter = synth(args.workdir / f"txt-{args.documents // 4}", args.documents // 4)
    q = len(list(quarter.rglob("*.txt")))
    small = {name: statistics.median(ingest_run(quarter, scratch, *options[name])[1] for _ in range(args.repeats))
             for name in (local, "dask, 2 workers")}
    lake = args.workdir / "lake"
    shutil.rmtree(lake, ignore_errors=True)
    ingest_run(corpus, scratch, *options["dask, 2 workers"], lake=lake)  # fills the lake
    from_lake = [ingest_run(corpus, scratch, *options["dask, 2 workers"], lake=lake) for _ in range(args.repeats)]
    lake_wall = statistics.median(w for w, _ in from_lake)
    load_cpu = statistics.median(load_from_lake(lake, scratch) for _ in range(args.repeats))

    docx = synth(args.workdir / "docx-20", 20, "docx")
    costs = {"txt (synthetic)": cpu_per_document(sorted(corpus.rglob("*.txt"))[:60]),
             "docx (synthetic)": cpu_per_document(sorted(docx.rglob("*.docx")))}
    pdfs = sorted(args.pdf.glob("*.pdf")) if args.pdf.is_dir() else []
    if pdfs:
        costs[f"PDF (the {len(pdfs)} real ones of ../shared/real)"] = cpu_per_document(pdfs)
    load_after = os.getloadavg()
    # CPU s per document that the cluster adds (lake writes and reads, scheduling), at the margin
    overhead = max(0.0, ((cpu["dask, 2 workers"] - small["dask, 2 workers"]) - (cpu[local] - small[local])) / (n - q))
    load_rate = n / load_cpu  # the driver's load from the lake: the ceiling of any cluster loading one warehouse

    out = [START, "", "## Distributed executor (Dask)", "",
           f"`benchmarks/cluster.py --documents {args.documents} --repeats {args.repeats}`, "
           f"{started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, load average {load_before[0]:.1f} before and "
           f"{load_after[0]:.1f} after (a busy machine slows wall times and makes them noisy; CPU seconds, of all "
           "the processes of a command, move far less).",
           "", f"`budget-etl ingest` of {n} synthetic txt documents into a new warehouse (whole command, "
           f"start-up included; median of {args.repeats}):", "",
           "| executor | wall s | documents/s | throughput vs local pool | overhead per document (wall) "
           "| CPU s | CPU overhead per document |", "|---|---:|---:|---:|---:|---:|---:|"]
    for name in options:
        first = name == local
        out.append(f"| {name} | {wall[name]:.1f} | {n / wall[name]:.1f} | {wall[local] / wall[name]:.2f} | "
                   + ("—" if first else f"{(wall[name] - wall[local]) / n * 1000:+.0f} ms")
                   + f" | {cpu[name]:.1f} | " + ("—" if first else f"{(cpu[name] - cpu[local]) / n * 1000:+.0f} ms")
                   + " |")
    out += ["", f"At the margin (CPU from {q} to {n} documents, without the fixed cost of a command and a "
            f"cluster): Dask with 2 workers adds {overhead * 1000:.0f} ms of CPU per document over the local pool. "
            f"Loading the {n} documents from the lake into a new warehouse with `budget-etl ingest` (nothing "
            f"parsed, no cluster) takes {lake_wall:.1f} s wall, start-up included; the load alone "
            f"(``warehouse.load_tables`` of every part, in this process) {load_cpu:.2f} CPU s, {load_rate:.0f} "
            "documents per CPU second: the ceiling of any cluster loading one warehouse.",
            "", "CPU per document in one process (read, extract, validate, lay out, in slices of 10 as a worker "
            "does), and the time for 10^6 documents on N cores:", "",
            "| format | CPU s per document | documents/s per core | "
            + " | ".join(f"10^6 on {c} cores" for c in CORES) + " |", "|---|---:|---:|" + "---:|" * len(CORES)]
    for name, cost in costs.items():
        cells = [duration(max(MILLION * (cost + overhead) / c, MILLION / load_rate)) for c in CORES]
        out.append(f"| {name} | {cost:.3f} | {1 / cost:.1f} | " + " | ".join(cells) + " |")
    out += ["", f"10^6 documents on N cores = max(10^6 × (CPU per document + {overhead * 1000:.0f} ms) / N, "
            f"10^6 / {load_rate:.0f} documents/s): {overhead * 1000:.0f} ms is the CPU per document that Dask with "
            "2 workers added over the local pool here at the margin (lake writes and reads, scheduling), and the "
            "driver's load from the lake caps any cluster loading one warehouse. It assumes the files are read "
            "as fast as they are parsed (a shared file system that keeps up) and a driver with a core to itself.",
            "", END]
    write(args.out, "\n".join(out))
    print("\n".join(out))


def write(out: Path, results: str) -> None:
    text = out.read_text(encoding="utf-8") if out.exists() else ""
    if START in text and END in text:
        text = text[:text.index(START)] + results + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + results + "\n"
    out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
