"""Measure the pipeline on generated districts and write the results down.

    .venv/bin/python benchmarks/benchmark.py                     # every scale below
    .venv/bin/python benchmarks/benchmark.py --scale 20000x90    # one scale
    .venv/bin/python benchmarks/benchmark.py --scale 1000x10 --no-record   # a try

For each scale (students x school days, every source: Clever, SIS, Insights roster
and activity, i-Ready, Graph), in one run on one machine:

    scan        DuckDB reading every delivered file once (CSV with DuckDB's reader,
                JSON pages as text), the yardstick of what reading costs
    load, build, publish
                the first full run, one step at a time (`load`, `build`,
                `publish`: publish writes serving.duckdb, its docs and the report)
    day         a one-day delivery on top of it, fetch to published: the files the
                generator writes for one more school day (new reports, and the
                weekly reports it restates), dropped into a folder that `pipeline
                --from-dir` fetches from, then loaded, built and published
    nothing new `pipeline` again with nothing new: it must publish nothing (the
                published file keeps its inode and modification time)

Steps under five minutes run three times (from the same starting state) and the
median is reported; every step runs in its own process under HE_MEMORY_LIMIT=4GB,
and its peak resident memory (with its children) is recorded. `--history` adds
one-day deliveries on top of districts of several history lengths, to show that a
day's cost follows the day, not the history. Results are appended to
benchmarks/RESULTS.md with the machine and the date; speed is measured here,
never asserted in tests. SFTP is measured by benchmarks/sftp_benchmark.py.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
RESULTS = PROJECT_DIR / "benchmarks" / "RESULTS.md"
SALT = "benchmark-salt-not-for-real-data-0123456789"
SCALES = ("20000x90", "100000x90", "70000x180")
MEMORY_LIMIT = "4GB"
REPEAT_UNDER_SECONDS = 300
STATE_FILES = ("restricted.duckdb", "warehouse.duckdb", "serving.duckdb")

# Reads every delivered file once: each CSV folder with DuckDB's CSV reader (header
# or not), each JSON page file as text, and counts what it read.
SCAN = r"""
import sys, duckdb
from pathlib import Path
landing = Path(sys.argv[1])
conn = duckdb.connect()
conn.execute("set memory_limit = '4GB'")
rows = 0
folders = sorted({p.parent for p in landing.rglob("*.csv")})
for folder in folders:
    headerless = "/insights/" in f"/{folder.relative_to(landing).as_posix()}/"
    rows += conn.execute(
        f"select count(*) from read_csv('{folder}/*.csv', all_varchar = true, "
        f"header = {str(not headerless).lower()}, union_by_name = true, "
        "null_padding = true, ignore_errors = true)"
    ).fetchone()[0]
json_files = sorted(landing.rglob("*.json"))
if json_files:
    listed = ", ".join(f"'{p}'" for p in json_files)
    rows += conn.execute(
        f"select sum(len(string_split(content, chr(10)))) from read_text([{listed}])"
    ).fetchone()[0]
print(rows)
"""

MEASURE = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "sys.stderr.write(f'\\nPEAK_KB {peak}\\n')\n"
    "sys.exit(done.returncode)\n"
)


@dataclass
class Step:
    name: str
    seconds: list[float] = field(default_factory=list)
    peak_mb: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def peak(self) -> float:
        return max(self.peak_mb)


@dataclass
class Scale:
    students: int
    days: int
    schools: int

    @classmethod
    def parse(cls, text: str) -> Scale:
        students, days = (int(part) for part in text.lower().split("x"))
        return cls(students, days, max(3, min(60, students // 1000)))

    @property
    def label(self) -> str:
        return f"{self.students:,} students x {self.days} school days"

    @property
    def folder(self) -> str:
        return f"{self.students}x{self.days}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", action="append", help="STUDENTSxDAYS, repeatable")
    parser.add_argument(
        "--history",
        default="30,90,180",
        help="history lengths (school days) for the one-day delivery at the first "
        "scale's student count; empty to skip",
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work-dir", type=Path, default=PROJECT_DIR / "build/bench")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    scales = [Scale.parse(text) for text in args.scale or SCALES]
    bench = Bench(args.work_dir.resolve(), args.runs)
    measured = [bench.scale(scale) for scale in scales]
    histories = []
    if args.history:
        first = scales[0]
        for days in (int(d) for d in args.history.split(",")):
            scale = Scale(first.students, days, first.schools)
            histories.append((scale, bench.day_only(scale)))
    text = render(measured, histories)
    print(text)
    if not args.no_record:
        with RESULTS.open("a") as handle:
            handle.write("\n" + text + "\n")


class Bench:
    def __init__(self, work: Path, runs: int) -> None:
        self.work = work
        self.runs = runs
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("HE_")},
            "HE_PSEUDONYM_SALT": SALT,
            "HE_MEMORY_LIMIT": MEMORY_LIMIT,
            "HE_FETCH_SETTLE_SECONDS": "0",
        }

    # -- the files ------------------------------------------------------------------

    def landing(self, scale: Scale, days: int) -> Path:
        """The generated deliveries of `days` school days (kept between runs)."""
        folder = self.work / "generated" / f"{scale.students}x{days}"
        done = folder / ".generated"
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            self._cli(
                folder,
                "generate",
                "--students",
                str(scale.students),
                "--schools",
                str(scale.schools),
                "--days",
                str(days),
                "--seed",
                "1",
                # one school year: the scales are students x school days in all
                "--years",
                "1",
            )
            done.touch()
        return folder / "landing"

    def one_day(self, scale: Scale) -> list[Path]:
        """The files a district of one more school day has that are new or whose
        bytes changed, relative to the next day's landing folder."""
        before = self.landing(scale, scale.days)
        after = self.landing(scale, scale.days + 1)
        changed = []
        for path in sorted(after.rglob("*")):
            if not path.is_file() or path.name.startswith("."):
                continue
            old = before / path.relative_to(after)
            if not old.exists() or _sha(old) != _sha(path):
                changed.append(path.relative_to(after))
        return changed

    # -- the measurements -------------------------------------------------------------

    def scale(self, scale: Scale) -> dict[str, object]:
        landing = self.landing(scale, scale.days)
        files = [p for p in landing.rglob("*") if p.is_file()]
        size = sum(p.stat().st_size for p in files)
        steps = {name: Step(name) for name in ("scan", "load", "build", "publish")}
        data = self.work / "runs" / scale.folder
        for run in range(self.runs):
            self._measure(steps["scan"], [sys.executable, "-c", SCAN, str(landing)])
            shutil.rmtree(data, ignore_errors=True)
            data.mkdir(parents=True)
            live = data / "landing"
            shutil.copytree(landing, live, copy_function=os.link)
            for name in ("load", "build", "publish"):
                self._measure(steps[name], self._command(data, name))
            total = sum(steps[n].seconds[-1] for n in ("load", "build", "publish"))
            if total > REPEAT_UNDER_SECONDS or run + 1 == self.runs:
                break
        rows = self._rows(data / "restricted.duckdb")
        day = self._day(scale, data)
        return {
            "scale": scale,
            "files": len(files),
            "bytes": size,
            "rows": rows,
            "steps": steps,
            **day,
        }

    def day_only(self, scale: Scale) -> dict[str, object]:
        """A district of `scale.days` built once (not timed), then the day."""
        landing = self.landing(scale, scale.days)
        data = self.work / "runs" / f"history-{scale.folder}"
        saved = data.parent / f"{data.name}-saved"
        if not (data / ".built").exists():
            shutil.rmtree(data, ignore_errors=True)
            data.mkdir(parents=True)
            shutil.copytree(landing, data / "landing", copy_function=os.link)
        elif saved.exists():
            # The state before the day, also after a run stopped halfway through
            # its days (its state and landing folder hold that day).
            _restore(saved, data)
            _put_back(self.one_day(scale), landing, data / "landing")
        # Built with this project (untimed; nothing to do when it already was): a
        # state built by an earlier project would make the day also rebuild what the
        # project change touches, such as every date of the date-partitioned marts.
        self._cli(data, "pipeline")
        (data / ".built").touch()
        return self._day(scale, data)

    def _day(self, scale: Scale, data: Path) -> dict[str, object]:
        """The one-day delivery and the run after it, from a saved state each time.
        Clever's reports arrive in a folder laid out like Clever's server, which
        `pipeline --from-dir` fetches from; the other sources' files are dropped
        into the landing folder, as a district's other jobs do."""
        delivery = self.one_day(scale)
        before = self.landing(scale, scale.days)
        after = self.landing(scale, scale.days + 1)
        saved = data.parent / f"{data.name}-saved"
        drop = data.parent / f"{data.name}-drop"
        # With one run nothing needs the state before the day again: no copy of it
        # (at 100,000 students it is ~20 GB).
        if self.runs > 1:
            _save(data, saved)
        day, nothing = Step("day"), Step("nothing new")
        republished = []
        for run in range(self.runs):
            if run:
                _restore(saved, data)
                _put_back(delivery, before, data / "landing")
            shutil.rmtree(drop, ignore_errors=True)
            drop.mkdir(parents=True)
            for relative in delivery:
                parts = relative.parts
                target = (
                    drop.joinpath(*parts[1:])
                    if parts[0] == "clever"
                    else data / "landing" / relative
                )
                target.parent.mkdir(parents=True, exist_ok=True)
                target.unlink(missing_ok=True)
                shutil.copy2(after / relative, target)
            self._measure(day, self._command(data, "pipeline", drop=drop))
            serving = data / "serving.duckdb"
            published = (serving.stat().st_ino, serving.stat().st_mtime_ns)
            self._measure(nothing, self._command(data, "pipeline", drop=drop))
            republished.append(
                (serving.stat().st_ino, serving.stat().st_mtime_ns) != published
            )
            if day.seconds[-1] > REPEAT_UNDER_SECONDS:
                break
        if self.runs > 1:
            _restore(saved, data)
            _put_back(delivery, before, data / "landing")
        return {
            "delivery_files": len(delivery),
            "delivery_bytes": sum((after / r).stat().st_size for r in delivery),
            "day": day,
            "nothing": nothing,
            "republished": any(republished),
        }

    def _command(self, data: Path, step: str, drop: Path | None = None) -> list[str]:
        cli = [sys.executable, "-m", "loaders", "--data-dir", str(data)]
        if step == "pipeline" and drop is not None:
            return [*cli, "pipeline", "--from-dir", str(drop)]
        return [*cli, step]

    def _measure(self, step: Step, command: list[str]) -> None:
        started = time.monotonic()
        completed = subprocess.run(
            [sys.executable, "-c", MEASURE, *command],
            cwd=PROJECT_DIR,
            env=self.env,
            capture_output=True,
            text=True,
        )
        seconds = time.monotonic() - started
        if completed.returncode not in (0, 3):  # 3: published, with findings
            sys.exit(f"{' '.join(command[3:6])} failed:\n{completed.stderr[-3000:]}")
        peak_kb = int(completed.stderr.rsplit("PEAK_KB", 1)[1].split()[0])
        step.seconds.append(seconds)
        step.peak_mb.append(peak_kb / 1024)
        print(f"{step.name:12s} {seconds:8.1f} s  peak {peak_kb / 1024:8,.0f} MB")

    def _cli(self, data: Path, *args: str) -> None:
        command = [sys.executable, "-m", "loaders", "--data-dir", str(data), *args]
        completed = subprocess.run(
            command, cwd=PROJECT_DIR, env=self.env, capture_output=True, text=True
        )
        if completed.returncode not in (0, 3):
            sys.exit(f"{' '.join(args)} failed:\n{completed.stderr[-3000:]}")

    def _rows(self, restricted: Path) -> int:
        query = (
            "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True); "
            'print(c.execute("select sum(rows_loaded) from loader.manifest")'
            ".fetchone()[0])"
        )
        out = subprocess.run(
            [sys.executable, "-c", query, str(restricted)],
            capture_output=True,
            text=True,
            check=True,
        )
        return int(out.stdout.strip())


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _save(data: Path, saved: Path) -> None:
    """The data folder's state (its DuckDB files and records, not the landing)."""
    shutil.rmtree(saved, ignore_errors=True)
    saved.mkdir(parents=True)
    for path in data.iterdir():
        if path.is_file():
            shutil.copy2(path, saved / path.name)


def _put_back(delivery: list[Path], before: Path, landing: Path) -> None:
    """The landing folder as it was before a day's delivery."""
    for relative in delivery:
        target = landing / relative
        target.unlink(missing_ok=True)
        if (before / relative).exists():
            os.link(before / relative, target)


def _restore(saved: Path, data: Path) -> None:
    for path in data.iterdir():
        if path.is_file():
            path.unlink()
    for path in saved.iterdir():
        shutil.copy2(path, data / path.name)
    for folder in ("report", "docs"):
        shutil.rmtree(data / folder, ignore_errors=True)


def render(
    measured: list[dict[str, object]],
    histories: list[tuple[Scale, dict[str, object]]],
) -> str:
    machine = (
        f"{os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
        f"{platform.system()} {platform.machine()}, Python {platform.python_version()}"
    )
    lines = [
        f"## {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: first run, one-day delivery, "
        "nothing new",
        "",
        f"Machine: {machine}; HE_MEMORY_LIMIT={MEMORY_LIMIT}. Seconds are medians "
        "of the runs shown; memory is the highest peak of the step's process tree.",
        "",
        "| scale | files / GiB / rows | scan | load | build | publish | first run "
        "| ratio to scan | peak MB | one day (files) | day | nothing new "
        "| republished |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: "
        "| ---: | --- |",
    ]
    for m in measured:
        steps: dict[str, Step] = m["steps"]  # type: ignore[assignment]
        first = sum(steps[n].median for n in ("load", "build", "publish"))
        peak = max(steps[n].peak for n in ("load", "build", "publish"))
        day: Step = m["day"]  # type: ignore[assignment]
        nothing: Step = m["nothing"]  # type: ignore[assignment]
        lines.append(
            f"| {m['scale'].label} "  # type: ignore[union-attr]
            f"| {m['files']:,} / {m['bytes'] / 2**30:.1f} / {m['rows']:,} "
            f"| {steps['scan'].median:.1f} | {steps['load'].median:.1f} "
            f"| {steps['build'].median:.1f} | {steps['publish'].median:.1f} "
            f"| {first:.1f} | {first / steps['scan'].median:.1f}x | {peak:,.0f} "
            f"| {m['delivery_files']} ({m['delivery_bytes'] / 2**20:.0f} MB) "
            f"| {day.median:.1f} (peak {day.peak:,.0f} MB) | {nothing.median:.1f} "
            f"| {'yes' if m['republished'] else 'no'} |"
        )
    if histories:
        lines += [
            "",
            "One-day delivery on top of districts of different history lengths "
            "(same students):",
            "",
            "| history | one day (files) | day (s) | nothing new (s) |",
            "| --- | --- | ---: | ---: |",
        ]
        for scale, result in histories:
            day = result["day"]
            nothing = result["nothing"]
            lines.append(
                f"| {scale.days} school days | {result['delivery_files']} "
                f"({result['delivery_bytes'] / 2**20:.0f} MB) | "
                f"{day.median:.1f} | {nothing.median:.1f} |"  # type: ignore[union-attr]
            )
    runs = {
        m["scale"].label: {  # type: ignore[union-attr]
            name: step.seconds
            for name, step in {
                **m["steps"],  # type: ignore[dict-item]
                "day": m["day"],
                "nothing new": m["nothing"],
            }.items()
        }
        for m in measured
    }
    lines += ["", "```json", json.dumps(runs), "```"]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
