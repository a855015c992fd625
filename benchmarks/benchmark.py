"""Measure the pipeline on a generated district and write the results down.

    .venv/bin/python benchmarks/benchmark.py --students 70000 --days 180

Steps timed, each in a fresh process so peak memory is per step:

    generate   the sample district's deliveries
    baseline   DuckDB alone: one `create table as select * from read_csv(...)` per
               report over all of its files (all text), no checks, no lineage
    load       our loader on Clever's files, what the baseline reads (header
               checks, per-row validation, line numbers, rejects, manifest, one
               transaction per file)
    load others   the loader on every other source (SIS, Insights, i-Ready, Graph)
    build      `dbt build` (models and every test)
    reload, rebuild   load and build again with nothing new (a quiet day)

Results are appended to benchmarks/RESULTS.md with the machine's core count and
memory. Speed is measured here and written down, never asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
RESULTS = PROJECT_DIR / "benchmarks" / "RESULTS.md"
SALT = "benchmark-salt-not-for-real-data-0123456789"

BASELINE = """
import sys, duckdb
conn = duckdb.connect(sys.argv[1])
for report in ("daily-participation", "resource-usage"):
    files = sys.argv[2] + "/clever/" + report + "/*.csv"
    conn.execute(
        f"create or replace table baseline_{report.replace('-', '_')} as "
        f"select * from read_csv('{files}', all_varchar = true, union_by_name = true)"
    )
    print(report, conn.execute(
        f"select count(*) from baseline_{report.replace('-', '_')}").fetchone()[0])
conn.close()
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=70000)
    parser.add_argument("--schools", type=int, default=40)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work-dir", type=Path, default=PROJECT_DIR / "build/bench")
    parser.add_argument("--keep", action="store_true", help="Keep the work folder.")
    parser.add_argument(
        "--reuse-landing",
        action="store_true",
        help="Keep the work folder's generated files (same size options) and skip "
        "`generate`; the DuckDB files are rebuilt from scratch.",
    )
    args = parser.parse_args()

    work: Path = args.work_dir.resolve()
    landing = work / "landing"
    reuse = args.reuse_landing and landing.is_dir()
    if reuse:
        for path in work.iterdir():
            if path != landing:
                shutil.rmtree(path) if path.is_dir() else path.unlink()
    else:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
    cli = [sys.executable, "-m", "loaders", "--data-dir", str(work)]
    env = {**os.environ, "HE_PSEUDONYM_SALT": SALT}
    size = (
        f"--students {args.students} --schools {args.schools} --days {args.days} "
        f"--seed {args.seed}"
    ).split()

    steps: list[tuple[str, float, float]] = []

    def step(name: str, command: list[str]) -> None:
        seconds, peak_mb = _timed(command, env)
        steps.append((name, seconds, peak_mb))
        print(f"{name:10s} {seconds:8.1f} s  peak {peak_mb:8.0f} MB", flush=True)

    if not reuse:
        step("generate", [*cli, "generate", *size])
    data_files = [p for p in landing.rglob("*") if p.suffix in (".csv", ".json")]
    data_bytes = sum(p.stat().st_size for p in data_files)
    files = len(data_files)
    step(
        "baseline",
        [sys.executable, "-c", BASELINE, str(work / "baseline.duckdb"), str(landing)],
    )
    # The baseline reads Clever's files: "load" loads those alone, to compare.
    step("load", [*cli, "load", "clever"])
    rows = _raw_rows(work / "restricted.duckdb")
    step("load others", [*cli, "load", "contoso_sis", "insights", "iready", "graph"])
    all_rows = _raw_rows(work / "restricted.duckdb", all_sources=True)
    step("build", [*cli, "build"])
    step("reload", [*cli, "load"])
    step("rebuild", [*cli, "build"])

    _write_results(args, files, data_bytes, rows, all_rows, steps)
    if not args.keep:
        shutil.rmtree(work)


# Runs a command and reports the peak resident memory of it and its descendants.
MEASURE = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:])\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "sys.stderr.write(f'\\nPEAK_KB {peak}\\n')\n"
    "sys.exit(done.returncode)\n"
)


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MB) of a command."""
    started = time.monotonic()
    completed = subprocess.run(
        [sys.executable, "-c", MEASURE, *command],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.monotonic() - started
    if completed.returncode != 0:
        sys.exit(f"{' '.join(command[:5])} failed:\n{completed.stderr[-3000:]}")
    peak_kb = int(completed.stderr.rsplit("PEAK_KB", 1)[1].split()[0])
    return seconds, peak_kb / 1024


def _raw_rows(restricted: Path, *, all_sources: bool = False) -> int:
    """Rows loaded: Clever's (what the baseline reads), or every source's."""
    counted = (
        "select sum(rows_loaded) from loader.manifest"
        if all_sources
        else "select (select count(*) from raw_clever.daily_participation)"
        " + (select count(*) from raw_clever.resource_usage)"
    )
    query = (
        "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True); "
        f'print(c.execute("{counted}").fetchone()[0])'
    )
    out = subprocess.run(
        [sys.executable, "-c", query, str(restricted)],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.strip())


def _write_results(
    args: argparse.Namespace,
    files: int,
    data_bytes: int,
    rows: int,
    all_rows: int,
    steps: list[tuple[str, float, float]],
) -> None:
    by_name: dict[str, float] = {}
    for name, seconds, _ in steps:
        by_name[name] = by_name.get(name, 0.0) + seconds
    ratio = by_name["load"] / by_name["baseline"]
    machine = (
        f"{os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
        f"{platform.system()} {platform.machine()}, Python {platform.python_version()}"
    )
    lines = [
        "",
        f"## {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: {args.students:,} students, "
        f"{args.schools} schools, {args.days} school days",
        "",
        f"Machine: {machine}. Input: {files:,} files, {data_bytes / 2**30:.2f} GiB, "
        f"{all_rows:,} rows loaded, {rows:,} of them Clever's.",
        "",
        "| step | seconds | peak memory (MB) | rows/s |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, seconds, peak in steps:
        rate = f"{rows / seconds:,.0f}" if name in ("baseline", "load") else ""
        lines.append(f"| {name} | {seconds:,.1f} | {peak:,.0f} | {rate} |")
    lines += [
        "",
        f"Loader / plain read_csv: {ratio:.2f}x the time.",
        "",
        "```json",
        json.dumps(
            {"args": {k: str(v) for k, v in vars(args).items()}, "steps": steps},
        ),
        "```",
    ]
    if not RESULTS.exists():
        RESULTS.write_text(
            "# Benchmark results\n\nAppended by benchmarks/benchmark.py, newest last.\n"
        )
    with RESULTS.open("a") as handle:
        handle.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
