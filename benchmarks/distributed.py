"""Benchmark of the distributed executor (docs/distributed.md) on this machine; results into BENCHMARKS.md.

    .venv/bin/python benchmarks/distributed.py --documents 200 --repeats 2 --out BENCHMARKS.md

- ``budget-etl ingest`` of one synthetic txt corpus (``--documents``, ``budget-etl synth``) into a new
  warehouse: the local process pool, then ``--executor dask`` on a local cluster of 1 and of 2 workers (each
  run with a new lake), wall time of the whole command, median of ``--repeats``: throughput, the ratio to the
  local pool and the overhead per document;
- the same corpus loaded from the lake alone (a new warehouse, every part already there: nothing parsed): the
  rate of the driver's load, the ceiling of any cluster;
- documents per second on one core, in this process, of each format: the synthetic txt and docx documents
  and the real PDFs of ``--pdf`` (default ``../shared/real``; skipped when absent): read, extract, validate
  and lay out (``pipeline._prepare``), as a worker does;
- the time for 10^6 documents on N cores, extrapolated from those rates and the efficiency measured with 2
  Dask workers.

Results replace the part of the --out file between the ``distributed`` markers (the file is created if
missing). The machine's load average is written with them: the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
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


def ingest_seconds(corpus: Path, scratch: Path, *options: str, lake: Path | None = None) -> float:
    """Wall time of one ``budget-etl ingest`` into a new warehouse (and a new lake unless ``lake``)."""
    warehouse = scratch / "w.duckdb"
    for path in (warehouse, scratch / "w.lake"):
        shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
    extra = ["--lake", str(lake)] if lake else []
    started = time.perf_counter()
    done = subprocess.run([CLI, "ingest", "--quiet", "--warehouse", str(warehouse), *options, *extra, str(corpus)],
                          capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"ingest {' '.join(options)} failed:\n{done.stderr[-2000:]}")
    return seconds


def per_core(files: list[Path]) -> float:
    """Documents per second in this process (one core): read, extract, validate, lay out as Arrow tables."""
    import duckdb

    from budget_etl.catalog.ddl import ddl
    from budget_etl.load import warehouse
    from budget_etl.ops import pipeline

    con = duckdb.connect()
    con.execute(ddl())
    schemas = warehouse.raw_schemas(con)
    pipeline._prepare([((files[0],), True)], schemas)  # imports and caches warm
    started = time.perf_counter()
    for f in files:
        pipeline._prepare([((f,), f.suffix != ".pdf")], schemas)
    return len(files) / (time.perf_counter() - started)


def hours(documents: int, rate: float) -> str:
    seconds = documents / rate
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

    runs = {"local pool (2 processes)": [], "dask, 1 worker": [], "dask, 2 workers": []}
    options = {"local pool (2 processes)": (), "dask, 1 worker": ("--executor", "dask", "--workers", "1"),
               "dask, 2 workers": ("--executor", "dask", "--workers", "2")}
    for _ in range(args.repeats):
        for name in runs:
            runs[name].append(ingest_seconds(corpus, scratch, *options[name]))
    medians = {name: statistics.median(seconds) for name, seconds in runs.items()}
    local = medians["local pool (2 processes)"]
    # the marginal rates, without the fixed costs of a command (start-up, a cluster): from a corpus a quarter
    # of the size too
    quarter = synth(args.workdir / f"txt-{args.documents // 4}", args.documents // 4)
    n_quarter = len(list(quarter.rglob("*.txt")))
    small = statistics.median(ingest_seconds(quarter, scratch, *options["dask, 2 workers"])
                              for _ in range(args.repeats))
    dask_rate = (n - n_quarter) / max(medians["dask, 2 workers"] - small, 1e-9)
    from_lake = {}
    for folder, count in ((corpus, n), (quarter, n_quarter)):
        lake = args.workdir / f"lake-{count}"
        shutil.rmtree(lake, ignore_errors=True)
        ingest_seconds(folder, scratch, *options["dask, 2 workers"], lake=lake)  # fills the lake
        from_lake[count] = statistics.median(ingest_seconds(folder, scratch, *options["dask, 2 workers"], lake=lake)
                                             for _ in range(args.repeats))
    load_rate = (n - n_quarter) / max(from_lake[n] - from_lake[n_quarter], 1e-9)

    docx = synth(args.workdir / "docx-20", 20, "docx")
    rates = {"txt (synthetic)": per_core(sorted(corpus.rglob("*.txt"))[:40]),
             "docx (synthetic)": per_core(sorted(docx.rglob("*.docx")))}
    pdfs = sorted(args.pdf.glob("*.pdf")) if args.pdf.is_dir() else []
    if pdfs:
        rates[f"PDF (the {len(pdfs)} real ones of ../shared/real)"] = per_core(pdfs)
    load_after = os.getloadavg()
    # the share of 2 cores' parsing that 2 Dask workers deliver end to end (start-up, lake, load included)
    efficiency = (n / medians["dask, 2 workers"]) / (2 * rates["txt (synthetic)"])

    out = [START, "", "## Distributed executor (Dask)", "",
           f"`benchmarks/distributed.py --documents {args.documents} --repeats {args.repeats}`, "
           f"{started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, load average {load_before[0]:.1f} before and "
           f"{load_after[0]:.1f} after (the machine is shared: the other sessions' work slows every figure).",
           "", f"`budget-etl ingest` of {n} synthetic txt documents into a new warehouse (whole command, "
           f"start-up included; median of {args.repeats}):", "",
           "| executor | seconds | documents/s | throughput vs local pool | overhead per document |",
           "|---|---:|---:|---:|---:|"]
    for name, seconds in medians.items():
        overhead = (seconds - local) / n * 1000
        out.append(f"| {name} | {seconds:.1f} | {n / seconds:.1f} | {local / seconds:.2f} | "
                   + ("—" if name.startswith("local") else f"{overhead:+.0f} ms") + " |")
    out += ["", f"At the margin (from {n_quarter} to {n} documents, without the fixed cost of a command and a "
            f"cluster): Dask with 2 workers {dask_rate:.1f} documents/s; loading from the lake alone into a new "
            f"warehouse (nothing parsed: the driver's load, the ceiling of any cluster) {load_rate:.0f} "
            f"documents/s ({from_lake[n]:.1f} s for all {n}).",
            "", "Documents per second on one core (read, extract, validate, lay out; as a worker does):", "",
            "| format | documents/s per core | " + " | ".join(f"10^6 on {c} cores" for c in CORES) + " |",
            "|---|---:|" + "---:|" * len(CORES)]
    for name, rate in rates.items():
        cells = [hours(MILLION, min(rate * c * efficiency, load_rate)) for c in CORES]
        out.append(f"| {name} | {rate:.1f} | " + " | ".join(cells) + " |")
    out += ["", f"10^6 documents on N cores = 10^6 / min(rate per core × N × {efficiency:.2f}, load rate): "
            f"{efficiency:.2f} is the share of two cores' parsing that 2 Dask workers delivered at the margin here "
            f"(lake and load included), and the driver's load from the lake ({load_rate:.0f} "
            "documents/s on one core) caps any cluster: past that, parse on the cluster and load in several "
            "warehouses, or query the lake itself.", "", END]
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
