"""`pipeline` with Clever's SFTP configured: fetch, load, build and publish in one run,
against a real SFTP server on 127.0.0.1."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import District, ok, run_cli
from fetch_helpers import (
    PARTICIPATION,
    data_rows,
    deliver,
    deliver_day,
    participation_csv,
    report_name,
)
from sftp_servers import SftpServer

pytestmark = pytest.mark.slow


def _published_rows(district: District) -> int:
    return district.scalar(
        "select count(*) from sqls2_digital_activity.digital_activity", "serving"
    )


def test_pipeline_fetches_from_sftp_then_builds_and_publishes(
    sftp_server: SftpServer, tmp_path: Path
) -> None:
    # GIVEN two days of Clever's reports on its SFTP server, configured by HE_SFTP_*
    delivered = deliver_day(sftp_server.root, "2024-09-03") + deliver_day(
        sftp_server.root, "2024-09-04"
    )
    district = District(tmp_path / "district")
    (tmp_path / "client").mkdir()
    env = sftp_server.client_env(tmp_path / "client")
    # WHEN the pipeline runs
    result = ok(run_cli("pipeline", data_dir=district.data_dir, env=env, timeout=600))
    # THEN it fetched, loaded, built and published every delivered row
    assert "fetch     done" in result.stdout
    assert "12 fetched" in result.stdout
    assert "publish   done" in result.stdout
    assert _published_rows(district) == data_rows(delivered) > 0

    # WHEN a new day arrives, one of its files still being written
    published = _published_rows(district)
    arrived = deliver_day(sftp_server.root, "2024-09-05")
    growing = deliver(
        sftp_server.root,
        PARTICIPATION,
        report_name(PARTICIPATION, "2024-09-06"),
        participation_csv("2024-09-06"),
        mtime=time.time(),
    )
    result = run_cli("pipeline", data_dir=district.data_dir, env=env, timeout=600)
    # THEN what arrived whole is built and published
    assert "fetch     incomplete" in result.stdout
    assert "publish   done" in result.stdout
    assert _published_rows(district) == published + data_rows(arrived)
    # AND the run ends non-zero, naming the file it left for the next run
    assert result.returncode != 0
    assert growing.name in result.stderr
    assert "is unchanged" not in result.stderr
