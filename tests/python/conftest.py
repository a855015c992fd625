"""Fixtures: a test salt, small generated districts (built once per test run, also
when pytest-xdist runs tests side by side), real SFTP servers, headless Chromium.

Tests are written GIVEN / WHEN / THEN. Nothing here fakes the thing under test: the
CLI runs as a process, dbt runs for real, DuckDB files are real files in tmp folders.
What tests share besides fixtures is in the helpers package.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from helpers.cli import DBT_TARGET, TEST_SALT, ok, run_cli, with_findings
from helpers.district import (
    FEW_STUDENTS,
    MIXED_CASE_VIEW,
    OEA_TEST_DATA,
    District,
    PublishedDistrict,
    generate,
    land_oea_sample,
)
from helpers.sftp_servers import (
    AsyncsshServer,
    Keys,
    SftpServer,
    sshd_available,
    start_server,
)
from helpers.shared import shared_folder


def pytest_configure(config: pytest.Config) -> None:
    # One salt for the whole run: parallel workers inherit it from the environment.
    os.environ.setdefault("HE_TEST_SALT", TEST_SALT)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: one worker more than there are cores. A test spends part of its
    time waiting (a subprocess starting, a browser drawing, an SFTP round trip), and
    with one worker per core the two cores of CI sat idle for a third of the run."""
    return (os.cpu_count() or 1) + 1


# The modules with the longest tests start first, longest first (one Spark build,
# about 4 minutes alone; the messy district's build; the linters; the README's quick
# start), so that they run beside the many short tests instead of ending the run.
STARTS_FIRST = (
    "test_spark.py",
    "test_messy_deliveries.py",
    "test_lint.py",
    "test_readme.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    order = {name: n for n, name in enumerate(STARTS_FIRST)}
    items.sort(key=lambda item: order.get(item.path.name, len(order)))


@pytest.fixture(scope="session")
def salt() -> str:
    return TEST_SALT


@pytest.fixture(scope="session")
def oea_data() -> Path:
    if not OEA_TEST_DATA.is_dir():
        pytest.skip(f"OEA test data not found at {OEA_TEST_DATA}")
    return OEA_TEST_DATA


@pytest.fixture
def small_district(tmp_path: Path) -> District:
    """A freshly generated small district, not yet loaded."""
    return generate(tmp_path / "district")


@pytest.fixture(scope="session")
def built_district(tmp_path_factory: pytest.TempPathFactory) -> District:
    """A small district generated, loaded and built once for the read-only checks."""

    def build(folder: Path) -> None:
        district = generate(folder / "district")
        ok(run_cli("load", data_dir=district.data_dir))
        ok(run_cli("build", data_dir=district.data_dir))

    return District(shared_folder(tmp_path_factory, "built", build) / "district")


@pytest.fixture(scope="session")
def few_students_district(tmp_path_factory: pytest.TempPathFactory) -> District:
    """A district of 22 students through `pipeline`, for small-cell suppression."""

    def build(folder: Path) -> None:
        district = generate(folder / "district", *FEW_STUDENTS)
        ok(run_cli("pipeline", data_dir=district.data_dir))

    return District(shared_folder(tmp_path_factory, "few", build) / "district")


@pytest.fixture(scope="session")
def oea_district(oea_data: Path, tmp_path_factory: pytest.TempPathFactory) -> District:
    """OEA's sample loaded, built and published once for the whole run. Its
    deliveries have findings (rows with a field too many, weekend attendance, an
    Insights activity extract whose ids reach no SIS student), so loading and
    building end "with findings"."""

    def build(folder: Path) -> None:
        district = District(folder / "district")
        land_oea_sample(oea_data, district.landing)
        with_findings(run_cli("load", data_dir=district.data_dir))
        with_findings(run_cli("build", data_dir=district.data_dir))
        ok(run_cli("publish", data_dir=district.data_dir))

    return District(shared_folder(tmp_path_factory, "oea", build) / "district")


@pytest.fixture(scope="session")
def published_district(tmp_path_factory: pytest.TempPathFactory) -> PublishedDistrict:
    """A small district through `pipeline` (load, build, publish, docs); then a
    mixed-case serving view added and `publish` run again."""

    def build(folder: Path) -> None:
        district = generate(folder / "district")
        pipeline = ok(run_cli("pipeline", data_dir=district.data_dir))
        (folder / "pipeline_output.txt").write_text(pipeline.stdout + pipeline.stderr)
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
        shutil.copyfile(DBT_TARGET / "manifest.json", folder / "manifest.json")

    folder = shared_folder(tmp_path_factory, "published", build)
    # `publish` reads dbt's manifest from this worker's target folder: a worker that
    # has not run dbt yet publishes copies of this district with the build's manifest
    if not (DBT_TARGET / "manifest.json").exists():
        DBT_TARGET.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(folder / "manifest.json", DBT_TARGET / "manifest.json")
    return PublishedDistrict(
        folder / "district", (folder / "pipeline_output.txt").read_text()
    )


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
