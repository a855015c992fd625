"""Fixtures: a test salt, the real CLI in a subprocess, small generated districts.

Tests are written GIVEN / WHEN / THEN. Nothing here fakes the thing under test: the
CLI runs as a process, dbt runs for real, DuckDB files are real files in tmp folders.
"""

from __future__ import annotations

import csv
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from sftp_servers import AsyncsshServer, Keys, SftpServer, sshd_available, start_server

PROJECT_DIR = Path(__file__).resolve().parents[2]
OEA_TEST_DATA = Path(
    os.environ.get("HE_OEA_TEST_DATA", PROJECT_DIR.parent / "shared" / "oea_test_data")
)

# A fresh salt per test session: tests compute expected pseudonyms from it with hashlib.
TEST_SALT = secrets.token_hex(24)


@pytest.fixture(scope="session")
def salt() -> str:
    return TEST_SALT


@pytest.fixture(scope="session")
def oea_data() -> Path:
    if not OEA_TEST_DATA.is_dir():
        pytest.skip(f"OEA test data not found at {OEA_TEST_DATA}")
    return OEA_TEST_DATA


def run_cli(
    *args: str,
    data_dir: Path | None = None,
    salt: str | None = TEST_SALT,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `python -m loaders [--data-dir D] ARGS` the way a user would, with only
    the HE_* variables given in `env` (and the salt)."""
    environment = cli_env(salt, env)
    command = [sys.executable, "-m", "loaders"]
    if data_dir is not None:
        command += ["--data-dir", str(data_dir)]
    return subprocess.run(
        [*command, *args],
        cwd=PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


def cli_env(salt: str | None = TEST_SALT, extra: dict[str, str] | None = None) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("HE_") and k != "SSH_AUTH_SOCK"
    }
    if salt is not None:
        env["HE_PSEUDONYM_SALT"] = salt
    env.update(extra or {})
    return env


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, (
        f"exit {result.returncode}\n--- stdout\n{result.stdout[-6000:]}"
        f"\n--- stderr\n{result.stderr[-6000:]}"
    )
    return result


# The CLI's exit status when everything that arrived was loaded (and built and
# published) but the deliveries have findings (loaders/findings.py).
FINDINGS_EXIT = 3


def with_findings(
    result: subprocess.CompletedProcess[str],
) -> subprocess.CompletedProcess[str]:
    """The run did its work and ended "with findings"."""
    assert result.returncode == FINDINGS_EXIT, (
        f"exit {result.returncode}, expected {FINDINGS_EXIT} (with findings)\n"
        f"--- stdout\n{result.stdout[-6000:]}\n--- stderr\n{result.stderr[-6000:]}"
    )
    return result


def csv_rows(path: Path) -> list[dict[str, str]]:
    """A delivered file read with Python's csv module: the independent count."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


@dataclass(frozen=True)
class District:
    data_dir: Path

    @property
    def landing(self) -> Path:
        return self.data_dir / "landing"

    @property
    def restricted(self) -> Path:
        return self.data_dir / "restricted.duckdb"

    @property
    def warehouse(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def serving(self) -> Path:
        return self.data_dir / "serving.duckdb"

    @property
    def previous(self) -> Path:
        return self.data_dir / "serving.previous.duckdb"

    @property
    def docs(self) -> Path:
        return self.data_dir / "docs" / "index.html"

    def files(self, pattern: str) -> list[Path]:
        return sorted(self.landing.glob(pattern))

    def rows(self, pattern: str) -> list[dict[str, str]]:
        return [row for path in self.files(pattern) for row in csv_rows(path)]

    def query(
        self, sql: str, database: str = "warehouse", parameters: list | None = None
    ) -> list[tuple]:
        path = {
            "warehouse": self.warehouse,
            "restricted": self.restricted,
            "serving": self.serving,
        }[database]
        with duckdb.connect(str(path), read_only=True) as conn:
            return conn.execute(sql, parameters).fetchall()

    def scalar(self, sql: str, database: str = "warehouse") -> object:
        return self.query(sql, database)[0][0]


SMALL = ("--students", "60", "--schools", "3", "--days", "8", "--seed", "7")


def generate(data_dir: Path, *options: str) -> District:
    ok(run_cli("generate", *(options or SMALL), data_dir=data_dir))
    return District(data_dir)


@pytest.fixture
def small_district(tmp_path: Path) -> District:
    """A freshly generated small district, not yet loaded."""
    return generate(tmp_path / "district")


@pytest.fixture(scope="session")
def built_district(tmp_path_factory: pytest.TempPathFactory) -> Iterator[District]:
    """A small district generated, loaded and built once for the read-only checks."""
    district = generate(tmp_path_factory.mktemp("built") / "district")
    ok(run_cli("load", data_dir=district.data_dir))
    ok(run_cli("build", data_dir=district.data_dir))
    yield district


# Schools of 5, 6 and 11 students: small cells on both sides of the default 10.
FEW_STUDENTS = ("--students", "22", "--schools", "3", "--days", "5", "--seed", "11")


@pytest.fixture(scope="session")
def few_students_district(tmp_path_factory: pytest.TempPathFactory) -> District:
    """A district of 22 students through `pipeline`, for small-cell suppression."""
    district = generate(tmp_path_factory.mktemp("few") / "district", *FEW_STUDENTS)
    ok(run_cli("pipeline", data_dir=district.data_dir))
    return district


def land_oea_sample(oea_data: Path, landing: Path) -> None:
    """OEA's published test data, in the landing tree as OEA publishes it."""
    shutil.copytree(oea_data / "clever", landing / "clever")
    for batch in ("batch1", "batch2"):
        shutil.copytree(
            oea_data / "contoso_sis" / batch, landing / "contoso_sis" / batch
        )
    shutil.copytree(oea_data / "insights/k12", landing / "insights/k12")
    shutil.copytree(
        oea_data / "insights/activity_sample", landing / "insights/activity_sample"
    )
    shutil.copytree(oea_data / "graph/k12", landing / "graph/k12")
    shutil.copytree(oea_data / "iready", landing / "iready")
    for path in landing.rglob("*"):
        path.chmod(0o700 if path.is_dir() else 0o600)


@pytest.fixture(scope="session")
def oea_district(oea_data: Path, tmp_path_factory: pytest.TempPathFactory) -> District:
    """OEA's sample loaded, built and published once for the whole session. Its
    deliveries have findings (rows with a field too many, weekend attendance, an
    Insights activity extract whose ids reach no SIS student), so loading and
    building end "with findings"."""
    district = District(tmp_path_factory.mktemp("oea") / "district")
    land_oea_sample(oea_data, district.landing)
    with_findings(run_cli("load", data_dir=district.data_dir))
    with_findings(run_cli("build", data_dir=district.data_dir))
    ok(run_cli("publish", data_dir=district.data_dir))
    return district


# A serving view with a mixed-case name, as OEA's `Student_pseudo`: the published file,
# BI tools and PostgreSQL must keep its case. Created directly in the warehouse, the
# way a new serving model would appear, to show that publishing needs no code change.
MIXED_CASE_VIEW = ("sqls3_case_check", "Student_pseudo")


@dataclass(frozen=True)
class PublishedDistrict(District):
    pipeline_output: str = ""


@pytest.fixture(scope="session")
def published_district(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[PublishedDistrict]:
    """A small district through `pipeline` (load, build, publish, docs); then a
    mixed-case serving view added and `publish` run again."""
    district = generate(tmp_path_factory.mktemp("published") / "district")
    pipeline = ok(run_cli("pipeline", data_dir=district.data_dir))
    schema, view = MIXED_CASE_VIEW
    with duckdb.connect(str(district.warehouse)) as conn:
        conn.execute(f"create schema {schema}")
        conn.execute(
            f'create view {schema}."{view}" as '
            'select sis_id_pseudonym as "StudentId_internal_pseudonym", '
            'count(*) as "ActiveDays" '
            "from sqls2_clever.daily_participation_pseudo "
            "where user_type = 'students' and active "
            "group by sis_id_pseudonym"
        )
    ok(run_cli("publish", data_dir=district.data_dir))
    yield PublishedDistrict(district.data_dir, pipeline.stdout + pipeline.stderr)


# -- SFTP servers for the fetch tests (see sftp_servers.py) --------------------------


def default_sftp_kind() -> str:
    """OpenSSH's sshd when installed (tests/setup_system.sh installs it as root, as in
    CI), else the in-process asyncssh server; HE_TEST_SFTP_SERVER picks one."""
    return os.environ.get("HE_TEST_SFTP_SERVER") or (
        "sshd" if sshd_available() else "asyncssh"
    )


@pytest.fixture(scope="session")
def ssh_keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    return Keys.create(tmp_path_factory.mktemp("ssh_keys"))


@pytest.fixture
def sftp_server(ssh_keys: Keys, tmp_path: Path) -> Iterator[SftpServer]:
    """A real SFTP server on 127.0.0.1 serving tmp_path/server/remote."""
    server = start_server(default_sftp_kind(), ssh_keys, tmp_path / "server")
    yield server
    server.stop()


@pytest.fixture
def scripted_server(ssh_keys: Keys, tmp_path: Path) -> Iterator[AsyncsshServer]:
    """The asyncssh server, whose faults the test scripts."""
    server = AsyncsshServer(ssh_keys, tmp_path / "scripted", password="open sesame")
    yield server
    server.stop()


@pytest.fixture(params=["sshd", "asyncssh"])
def each_server(
    request: pytest.FixtureRequest, ssh_keys: Keys, tmp_path: Path
) -> Iterator[SftpServer]:
    """The test runs once against each server kind (sshd only where installed)."""
    if request.param == "sshd" and not sshd_available():
        pytest.skip("OpenSSH sshd is not installed (tests/setup_system.sh installs it)")
    server = start_server(request.param, ssh_keys, tmp_path / "server")
    yield server
    server.stop()


# -- Headless Chromium (Debian's, never a downloaded browser) for the docs and report --

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One browser for the session (playwright runs one sync instance at a time)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (tests/setup_system.sh installs chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True
        )
        yield browser
        browser.close()
