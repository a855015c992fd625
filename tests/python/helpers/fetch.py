"""Small Clever deliveries on a test server, and a client that fetches them."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from helpers.cli import run_cli
from helpers.district import District, csv_rows
from helpers.sftp_servers import SftpServer

# Deliveries are old enough to be past any settle time unless a test says otherwise.
DELIVERED = datetime(2024, 9, 3, 6, 0, 0, tzinfo=UTC).timestamp()

PARTICIPATION = "daily-participation"
USAGE = "resource-usage"
REPORT_FOLDERS = (PARTICIPATION, USAGE)

PARTICIPATION_HEADER = (
    "date,sis_id,clever_user_id,clever_school_id,school_name,active,num_logins,"
    "num_resources_accessed"
)
USAGE_HEADER = (
    "date,sis_id,clever_user_id,clever_school_id,school_name,resource_type,"
    "resource_name,resource_id,num_access"
)


def report_name(folder: str, day: str, user_type: str = "students") -> str:
    return f"{day}-{folder}-{user_type}.csv"


def participation_csv(day: str, user_type: str = "students", users: int = 3) -> str:
    return _report_csv(
        PARTICIPATION_HEADER,
        user_type,
        [
            f"{day},{user_type[0]}{n},cu-{user_type}-{n},sch1,North School,"
            f"{'True' if n % 2 else 'False'},{n % 4},{n % 3}"
            for n in range(1, users + 1)
        ],
    )


def usage_csv(day: str, user_type: str = "students", users: int = 2) -> str:
    return _report_csv(
        USAGE_HEADER,
        user_type,
        [
            f"{day},{user_type[0]}{n},cu-{user_type}-{n},sch1,North School,app,"
            f"Reading App,res-{n},{n}"
            for n in range(1, users + 1)
        ],
    )


def _report_csv(header: str, user_type: str, rows: list[str]) -> str:
    """Clever's file: staff files name the id column staff_id."""
    if user_type == "staff":
        header = header.replace("sis_id", "staff_id")
    return "\n".join([header, *rows]) + "\n"


def deliver(
    root: Path, folder: str, name: str, text: str | bytes, mtime: float = DELIVERED
) -> Path:
    """Put a file on the server as Clever would, with the given modification time."""
    path = root / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        text = text.encode()
    path.write_bytes(text)
    os.utime(path, (mtime, mtime))
    return path


def deliver_day(root: Path, day: str) -> list[Path]:
    """One day of Clever's reports: both reports for the three user types."""
    return [
        deliver(root, folder, report_name(folder, day, user_type), make(day, user_type))
        for folder, make in ((PARTICIPATION, participation_csv), (USAGE, usage_csv))
        for user_type in ("students", "teachers", "staff")
    ]


def server_listing(root: Path) -> set[str]:
    """Every entry of the served report folders, read straight from the disk."""
    return {
        f"{folder}/{name}"
        for folder in REPORT_FOLDERS
        if (root / folder).is_dir()
        for name in os.listdir(root / folder)
    }


@dataclass
class Client:
    """`hybrid-engagement fetch` run as a process against one server."""

    server: SftpServer
    data_dir: Path
    work: Path

    @property
    def district(self) -> District:
        return District(self.data_dir)

    def env(self, **overrides: str) -> dict[str, str]:
        self.work.mkdir(parents=True, exist_ok=True)
        return self.server.client_env(self.work, **overrides)

    def fetch(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        # The timeout only keeps a hung run from hanging the suite.
        return run_cli(
            "fetch", *args, data_dir=self.data_dir, env=self.env(**env), timeout=300
        )

    def log(self, run: str = "last") -> dict[str, tuple[str, str | None, bool]]:
        """The fetch_log of one run: path below the remote root -> (status,
        reason, downloaded)."""
        run_filter = (
            "(select max(run_id) from loader.fetch_log)"
            if run == "last"
            else "(select min(run_id) from loader.fetch_log)"
        )
        rows = self.district.query(
            "select remote_path, status, reason, downloaded from loader.fetch_log "
            f"where run_id = {run_filter}",
            "restricted",
        )
        prefix = self.server.remote_root.rstrip("/") + "/"
        return {path.removeprefix(prefix): tuple(rest) for path, *rest in rows}

    def history(self, path: str) -> list[tuple[str, str | None, bool]]:
        """(status, reason, downloaded) of one path below the remote root in every
        run so far, oldest first."""
        prefix = self.server.remote_root.rstrip("/") + "/"
        return [
            tuple(row)
            for row in self.district.query(
                "select status, reason, downloaded from loader.fetch_log "
                "where remote_path in (?, ?) order by run_id",
                "restricted",
                [path, prefix + path],
            )
        ]

    def statuses(self, run: str = "last") -> dict[str, str]:
        return {path: status for path, (status, _, _) in self.log(run).items()}

    def raw_rows(self) -> int:
        return self.district.scalar(
            "select (select count(*) from raw_clever.daily_participation) "
            "+ (select count(*) from raw_clever.resource_usage)",
            "restricted",
        )

    def landed(self) -> dict[str, int]:
        """Files in <landing>/clever, relative path -> inode."""
        clever = self.district.landing / "clever"
        return {
            path.relative_to(clever).as_posix(): path.stat().st_ino
            for path in sorted(clever.rglob("*"))
            if path.is_file()
        }


def data_rows(paths: list[Path]) -> int:
    """Rows of the delivered files, counted with Python's csv module."""
    return sum(len(csv_rows(path)) for path in paths)
