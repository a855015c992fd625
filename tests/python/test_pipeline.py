"""`pipeline` with Clever's SFTP configured: fetch, load, build and publish in one run,
against a real SFTP server on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from helpers.cli import ok, run_cli
from helpers.district import District, generate
from helpers.fetch import (
    DELIVERED,
    PARTICIPATION,
    data_rows,
    deliver,
    deliver_day,
    participation_csv,
    report_name,
)
from helpers.sftp_servers import SftpServer

pytestmark = pytest.mark.slow


def _published_clever_rows(district: District) -> int:
    return district.scalar(
        "select count(*) from sqls2_digital_activity.digital_activity "
        "where event_object like 'Clever%'",
        "serving",
    )


def _not_clever(folder: str, names: list[str]) -> list[str]:
    """shutil.copytree's ignore: the landing folder's clever/."""
    return ["clever"] if Path(folder).name == "landing" and "clever" in names else []


def test_pipeline_fetches_from_sftp_then_builds_and_publishes(
    sftp_server: SftpServer, tmp_path: Path
) -> None:
    # GIVEN a generated district: Clever's reports on its SFTP server, configured by
    # HE_SFTP_*, and the other sources (the SIS roster above all) in the landing
    # folder
    generated = generate(tmp_path / "generated")
    shutil.copytree(generated.landing / "clever", sftp_server.root, dirs_exist_ok=True)
    delivered = sorted(sftp_server.root.rglob("*.csv"))
    for path in delivered:
        os.utime(path, (DELIVERED, DELIVERED))
    district = District(tmp_path / "district")
    shutil.copytree(generated.landing, district.landing, ignore=_not_clever)
    (tmp_path / "client").mkdir()
    env = sftp_server.client_env(tmp_path / "client")
    # WHEN the pipeline runs
    result = ok(run_cli("pipeline", data_dir=district.data_dir, env=env, timeout=600))
    # THEN it fetched, loaded, built and published every delivered Clever row
    assert "fetch     done" in result.stdout
    assert f"{len(delivered)} fetched" in result.stdout
    assert "publish   done" in result.stdout
    assert _published_clever_rows(district) == data_rows(delivered) > 0

    # WHEN a new day arrives (after the generated school days), one of its files
    # still being written
    published = _published_clever_rows(district)
    arrived = deliver_day(sftp_server.root, "2024-09-20")
    growing = deliver(
        sftp_server.root,
        PARTICIPATION,
        report_name(PARTICIPATION, "2024-09-21"),
        participation_csv("2024-09-21"),
        mtime=time.time(),
    )
    result = run_cli("pipeline", data_dir=district.data_dir, env=env, timeout=600)
    # THEN what arrived whole is built and published
    assert "fetch     findings" in result.stdout
    assert "publish   done" in result.stdout
    assert _published_clever_rows(district) == published + data_rows(arrived)
    # AND the run ends "with findings" (exit status 3), naming the file it left for
    # the next run
    assert result.returncode == 3
    assert f"{PARTICIPATION}/{growing.name} on the server: skipped: modified" in (
        result.stdout
    )
    assert "is unchanged" not in result.stderr
