"""fetch against a real SFTP server on 127.0.0.1: each delivered file's content is
fetched and loaded exactly once, and every remote file gets one status per run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import default_sftp_kind, ok
from fetch_helpers import (
    DELIVERED,
    PARTICIPATION,
    USAGE,
    Client,
    data_rows,
    deliver,
    deliver_day,
    participation_csv,
    report_name,
    server_listing,
    usage_csv,
)
from sftp_servers import Keys, sshd_available, start_server


@pytest.fixture
def client(sftp_server, tmp_path: Path) -> Client:
    return Client(sftp_server, tmp_path / "district", tmp_path / "client")


@pytest.mark.parametrize("kind", ["sshd", "asyncssh"])
def test_first_run_loads_everything_and_second_run_adds_nothing(
    kind: str, ssh_keys: Keys, tmp_path: Path
) -> None:
    if kind == "sshd" and not sshd_available():
        pytest.skip("OpenSSH sshd is not installed (tests/setup_system.sh installs it)")
    server = start_server(kind, ssh_keys, tmp_path / "server")
    try:
        client = Client(server, tmp_path / "district", tmp_path / "client")
        # GIVEN two days of Clever reports on the server
        delivered = deliver_day(server.root, "2024-09-03") + deliver_day(
            server.root, "2024-09-04"
        )
        # WHEN fetch runs
        result = ok(client.fetch())
        # THEN every remote file was downloaded and loaded, with exactly one status
        assert client.statuses() == dict.fromkeys(server_listing(server.root), "loaded")
        assert all(downloaded for _, _, downloaded in client.log().values())
        # AND the raw tables hold every delivered row (counted with Python's csv)
        assert client.raw_rows() == data_rows(delivered) > 0
        # AND landing/clever mirrors the server, with no partial file left
        landed = client.landed()
        assert set(landed) == server_listing(server.root)
        assert "12 fetched" in result.stdout
        assert f"({data_rows(delivered)} rows)" in result.stdout

        # WHEN fetch runs again with nothing new on the server
        manifest_before = client.district.scalar(
            "select count(*) from loader.manifest", "restricted"
        )
        result = ok(client.fetch())
        # THEN nothing is downloaded (the landed files are the same inodes), every
        # file is reported unchanged, and no row or manifest entry is added
        log = client.log()
        assert set(log) == server_listing(server.root)
        for status, reason, downloaded in log.values():
            assert (status, downloaded) == ("skipped", False)
            assert reason.startswith("unchanged since fetched")
        assert client.landed() == landed
        assert client.raw_rows() == data_rows(delivered)
        assert (
            client.district.scalar("select count(*) from loader.manifest", "restricted")
            == manifest_before
        )
        assert "0 fetched" in result.stdout and "12 unchanged" in result.stdout
    finally:
        server.stop()
