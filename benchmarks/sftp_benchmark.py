"""Time `fetch` against OpenSSH's `sftp` client for one large file on loopback.

    .venv/bin/python benchmarks/sftp_benchmark.py            # 200 MB, 3 runs each
    .venv/bin/python benchmarks/sftp_benchmark.py --record   # ... and add to RESULTS.md

Starts OpenSSH's sshd on 127.0.0.1 with a throwaway host key (the test suite's server,
tests/python/sftp_servers.py), puts one file of random bytes named like a Clever report
on it, and downloads it, alternating, with:

    fetch      loaders.fetch.fetch() in this process: connect, list, download, hash,
               fsync, record in restricted.duckdb (a fresh data folder each run)
    fetch CLI  `hybrid-engagement fetch --no-load`, the same plus starting Python
    sftp       `sftp -b` with a `get` of the same file (OpenSSH's defaults)

Each figure is the median of the runs, in MB/s (10^6 bytes) of the file's size over
the wall-clock time of the whole operation, connection included. Speed is measured
here and written down, never asserted in tests.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
RESULTS = PROJECT_DIR / "benchmarks" / "RESULTS.md"
sys.path.insert(0, str(PROJECT_DIR / "tests" / "python"))

from helpers.sftp_servers import Keys, SshdServer, sshd_available  # noqa: E402

from loaders.fetch import FetchSettings, fetch  # noqa: E402
from loaders.settings import Paths  # noqa: E402
from loaders.sources.clever import SOURCE as CLEVER  # noqa: E402
from loaders.transports.sftp import SftpSettings, SftpTransport  # noqa: E402

FOLDER = "daily-participation"
NAME = "2024-09-03-daily-participation-students.csv"
DELIVERED = datetime(2024, 9, 3, 6, tzinfo=UTC).timestamp()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--record", action="store_true", help="append to RESULTS.md")
    args = parser.parse_args()
    if not sshd_available() or shutil.which("sftp") is None:
        sys.exit("needs OpenSSH's sshd and sftp (tests/setup_system.sh installs them)")
    logging.basicConfig(level=logging.WARNING)
    work = Path(tempfile.mkdtemp(prefix="sftp-benchmark-"))
    server = SshdServer(Keys.create(work / "keys"), work / "server")
    try:
        size = _deliver(server.root, args.size_mb * 10**6)
        timings = _run_all(server, work, size, args.runs)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    report = _report(args, size, timings)
    print(report)
    if args.record:
        with RESULTS.open("a") as handle:
            handle.write("\n" + report + "\n")


def _deliver(root: Path, size: int) -> int:
    path = root / FOLDER / NAME
    path.parent.mkdir(parents=True)
    with path.open("wb") as handle:
        left = size
        while left:
            block = os.urandom(min(left, 2**20))
            handle.write(block)
            left -= len(block)
    os.utime(path, (DELIVERED, DELIVERED))
    return path.stat().st_size


def _run_all(
    server: SshdServer, work: Path, size: int, runs: int
) -> dict[str, list[float]]:
    client = work / "client"
    client.mkdir()
    env = server.client_env(client)
    known_hosts = Path(env["HE_SFTP_KNOWN_HOSTS"])
    methods: dict[str, Callable[[Path], None]] = {
        "fetch": lambda target: _fetch_in_process(server, env, target, size),
        "fetch CLI": lambda target: _fetch_cli(env, target, size),
        "sftp": lambda target: _sftp(server, known_hosts, target, size),
    }
    timings: dict[str, list[float]] = {name: [] for name in methods}
    for run in range(runs):
        for name, method in methods.items():
            target = work / "runs" / f"{name.replace(' ', '-')}-{run}"
            target.mkdir(parents=True)
            started = time.monotonic()
            method(target)
            timings[name].append(time.monotonic() - started)
            shutil.rmtree(target)
            print(
                f"run {run + 1}: {name:<9} {timings[name][-1]:6.2f} s",
                file=sys.stderr,
            )
    return timings


def _fetch_in_process(
    server: SshdServer, env: dict[str, str], data_dir: Path, size: int
) -> None:
    transport = SftpTransport(
        SftpSettings(
            host=server.host,
            port=server.port,
            user=server.user,
            key=server.keys.client.private,
            root=server.remote_root,
            known_hosts=Path(env["HE_SFTP_KNOWN_HOSTS"]),
        )
    )
    report = fetch(transport, CLEVER, Paths.resolve(data_dir, use_env=False), _SETTLED)
    _check(report.summary().startswith(f"fetch from {transport.identity}: 1 fetched"))
    _check((data_dir / "landing" / "clever" / FOLDER / NAME).stat().st_size == size)


_SETTLED = FetchSettings(settle_seconds=0, retries=0, recheck_days=0)


def _fetch_cli(env: dict[str, str], data_dir: Path, size: int) -> None:
    command = [str(Path(sys.executable).with_name("hybrid-engagement"))]
    subprocess.run(
        [*command, "--data-dir", str(data_dir), "fetch", "--no-load"],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    _check((data_dir / "landing" / "clever" / FOLDER / NAME).stat().st_size == size)


def _sftp(server: SshdServer, known_hosts: Path, target: Path, size: int) -> None:
    batch = target / "batch"
    batch.write_text(f"get {FOLDER}/{NAME} {target / NAME}\n")
    subprocess.run(
        [
            "sftp",
            "-q",
            "-b",
            str(batch),
            "-P",
            str(server.port),
            "-F",
            "/dev/null",
            "-o",
            f"IdentityFile={server.keys.client.private}",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            f"UserKnownHostsFile={known_hosts}",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "BatchMode=yes",
            f"{server.user}@{server.host}",
        ],
        check=True,
        capture_output=True,
    )
    _check((target / NAME).stat().st_size == size)


def _check(condition: bool) -> None:
    if not condition:
        raise SystemExit("a download did not produce the whole file")


def _report(
    args: argparse.Namespace, size: int, timings: dict[str, list[float]]
) -> str:
    medians = {name: statistics.median(times) for name, times in timings.items()}
    rate = {name: size / seconds / 1e6 for name, seconds in medians.items()}
    machine = (
        f"{os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
        f"{platform.system()} {platform.machine()}, Python {platform.python_version()}"
    )
    openssh = subprocess.run(
        ["ssh", "-V"], capture_output=True, text=True, check=False
    ).stderr.strip()
    lines = [
        f"## SFTP, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: one {size / 1e6:,.0f} MB "
        "file on loopback",
        "",
        f"Machine: {machine}; {openssh}. `benchmarks/sftp_benchmark.py "
        f"--size-mb {args.size_mb} --runs {args.runs}`: median of {args.runs} runs, "
        "connection included.",
        "",
        "| client | median seconds | MB/s | runs (s) |",
        "| --- | ---: | ---: | --- |",
    ]
    for name, times in timings.items():
        lines.append(
            f"| {name} | {medians[name]:.2f} | {rate[name]:,.1f} | "
            f"{', '.join(f'{t:.2f}' for t in times)} |"
        )
    lines += [
        "",
        f"fetch / sftp: {rate['fetch'] / rate['sftp']:.2f} of OpenSSH's throughput "
        f"(fetch CLI / sftp: {rate['fetch CLI'] / rate['sftp']:.2f}).",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
