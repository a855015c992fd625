"""fetch under network faults, scripted exactly on the asyncssh server: a dropped
connection, a killed client, a file that grows while it is read, a server that
stops answering mid-file, and names that try to leave the landing folder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers.cli import PROJECT_DIR, cli_env, ok
from helpers.fetch import (
    DELIVERED,
    PARTICIPATION,
    Client,
    data_rows,
    deliver,
    participation_csv,
    report_name,
)
from helpers.sftp_servers import FAULT_OFFSET, AsyncsshServer

BIG = report_name(PARTICIPATION, "2024-09-03")
SMALL = report_name(PARTICIPATION, "2024-09-04")


@pytest.fixture
def client(scripted_server: AsyncsshServer, tmp_path: Path) -> Client:
    return Client(scripted_server, tmp_path / "district", tmp_path / "client")


def _deliver_big_and_small(root: Path, users: int = 6000) -> tuple[Path, Path]:
    """A report of a few hundred KB (read in many requests) and a small one that
    sorts after it."""
    big = deliver(
        root, PARTICIPATION, BIG, participation_csv("2024-09-03", users=users)
    )
    small = deliver(root, PARTICIPATION, SMALL, participation_csv("2024-09-04"))
    assert big.stat().st_size > 4 * FAULT_OFFSET
    return big, small


def _part_files(client: Client) -> list[Path]:
    return list(client.data_dir.rglob("*.part"))


def _manifest_rows(client: Client, name: str) -> list[tuple]:
    return client.district.query(
        f"select status from loader.manifest where file_path like '%/{name}'",
        "restricted",
    )


def test_a_dropped_connection_leaves_no_trace_and_the_next_run_completes(
    client: Client, scripted_server: AsyncsshServer
) -> None:
    # GIVEN a big and a small report, and a server that drops the connection
    # once the big one is partly sent
    big, small = _deliver_big_and_small(scripted_server.root)
    scripted_server.faults.drop_connection.add(BIG)
    # WHEN fetch runs without retries
    result = client.fetch(HE_FETCH_RETRIES="0")
    # THEN the run fails naming the big file; no partial file and no manifest row
    # is left of it; the small one, after it, still arrives
    assert result.returncode != 0
    assert BIG in result.stderr
    status, reason, downloaded = client.log()[f"{PARTICIPATION}/{BIG}"]
    assert (status, downloaded) == ("error", False)
    assert "gave up after 1 attempt" in reason
    assert _part_files(client) == []
    assert f"{PARTICIPATION}/{BIG}" not in client.landed()
    assert _manifest_rows(client, BIG) == []
    assert client.statuses()[f"{PARTICIPATION}/{SMALL}"] == "fetched"
    # AND the user sees the reason in one line, and no traceback
    assert "Traceback" not in result.stderr
    # WHEN the next run finds the connection healthy
    ok(client.fetch(HE_FETCH_RETRIES="0"))
    # THEN the big file is fetched whole and loaded once, and nothing is doubled
    assert client.statuses()[f"{PARTICIPATION}/{BIG}"] == "fetched"
    assert _manifest_rows(client, BIG) == [("loaded",)]
    assert client.raw_rows() == data_rows([big, small])
    assert scripted_server.faults.opened.count(BIG) == 2


def test_a_connection_dropped_during_a_large_file_is_one_line_and_no_traceback(
    client: Client, scripted_server: AsyncsshServer
) -> None:
    # GIVEN a report of several MB (many read requests) and a server that drops
    # the connection once the first part of it is sent
    name = report_name(PARTICIPATION, "2024-09-03")
    deliver(scripted_server.root, PARTICIPATION, name, os.urandom(6 * 2**20))
    scripted_server.faults.drop_connection.add(name)
    # WHEN fetch runs without retries
    result = client.fetch("--no-load", HE_FETCH_RETRIES="0")
    # THEN the run fails with one line for the file saying what happened, and no
    # traceback from any thread reaches the user
    assert result.returncode != 0
    assert (
        f"/{PARTICIPATION}/{name}: error: the server dropped the connection "
        "(gave up after 1 attempt)"
    ) in result.stderr
    assert "Traceback" not in result.stderr
    assert "Exception in thread" not in result.stderr
    assert _part_files(client) == []


def test_a_dropped_connection_is_retried_within_the_run(
    client: Client, scripted_server: AsyncsshServer
) -> None:
    # GIVEN a server that drops the connection once, mid-file
    big, small = _deliver_big_and_small(scripted_server.root)
    scripted_server.faults.drop_connection.add(BIG)
    # WHEN fetch runs with retries allowed
    result = ok(client.fetch(HE_FETCH_RETRIES="2", HE_FETCH_RETRY_DELAY="0.1"))
    # THEN it reconnects after a backoff, downloads the file again, and loads it once
    assert "retrying in 0.1 s (attempt 2 of 3)" in result.stderr
    assert scripted_server.faults.opened.count(BIG) == 2
    assert client.statuses()[f"{PARTICIPATION}/{BIG}"] == "fetched"
    assert client.raw_rows() == data_rows([big, small])
    assert _part_files(client) == []
    assert "Traceback" not in result.stderr


def test_a_killed_run_leaves_only_a_part_file_that_the_next_run_replaces(
    client: Client, scripted_server: AsyncsshServer
) -> None:
    # GIVEN a big report whose download the server holds up midway
    big, small = _deliver_big_and_small(scripted_server.root, users=20_000)
    scripted_server.faults.stall.add(BIG)
    stall_offset = 4 * FAULT_OFFSET  # past the first chunk the client writes
    scripted_server.faults.stall_offset = stall_offset
    command = [sys.executable, "-m", "loaders", "--data-dir", str(client.data_dir)]
    process = subprocess.Popen(
        [*command, "fetch"],
        cwd=PROJECT_DIR,
        env=cli_env(extra=client.env()),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # WHEN the fetch process is killed while the .part file is being written
    part = client.data_dir / "landing" / "clever" / PARTICIPATION / (BIG + ".part")
    deadline = time.monotonic() + 60
    while not (part.exists() and part.stat().st_size > 0):
        assert process.poll() is None, "fetch ended before the download started"
        assert time.monotonic() < deadline, "the download never started"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    # THEN only the .part file is left: no landed file, no manifest row
    assert part.exists() and 0 < part.stat().st_size < big.stat().st_size
    assert not part.with_suffix("").exists()
    assert _manifest_rows(client, BIG) == []
    # WHEN the server recovers and fetch runs again
    scripted_server.faults.stall.clear()
    result = ok(client.fetch())
    # THEN the stale .part is removed, the file is fetched whole and loaded once
    assert "left by an interrupted download" in result.stderr
    assert _part_files(client) == []
    assert client.statuses()[f"{PARTICIPATION}/{BIG}"] == "fetched"
    assert _manifest_rows(client, BIG) == [("loaded",)]
    assert client.raw_rows() == data_rows([big, small])


def test_a_file_appended_to_during_download_is_loaded_whole_next_run(
    client: Client, scripted_server: AsyncsshServer
) -> None:
    # GIVEN a report that Clever is still appending to while we read it
    big, small = _deliver_big_and_small(scripted_server.root)
    rows_before = data_rows([big])
    more = "".join(
        f"2024-09-03,late{n},cu-late-{n},sch1,North School,True,1,1\n" for n in (1, 2)
    )
    scripted_server.faults.append[BIG] = more.encode()
    # WHEN fetch runs
    result = client.fetch()
    # THEN that file is not landed: the run says it changed while downloading and
    # fails; nothing of it is left in landing or the manifest
    assert result.returncode != 0
    status, reason, downloaded = client.log()[f"{PARTICIPATION}/{BIG}"]
    assert (status, downloaded) == ("skipped", False)
    assert "changed while downloading" in reason
    assert f"{PARTICIPATION}/{BIG}" not in client.landed()
    assert _part_files(client) == []
    assert _manifest_rows(client, BIG) == []
    # WHEN the writer has finished and the file has settled, and fetch runs again
    os.utime(big, (DELIVERED + 60, DELIVERED + 60))
    ok(client.fetch())
    # THEN the whole file, appended rows included, is fetched and loaded once
    assert client.statuses()[f"{PARTICIPATION}/{BIG}"] == "fetched"
    assert data_rows([big]) == rows_before + 2
    assert client.raw_rows() == data_rows([big, small])


def test_a_server_that_stops_answering_mid_file_times_out(
    client: Client, scripted_server: AsyncsshServer
) -> None:
    # GIVEN a server that stops sending the big report partway, for good
    _, small = _deliver_big_and_small(scripted_server.root)
    scripted_server.faults.stall.add(BIG)
    # WHEN fetch runs with a one-second read timeout and one retry
    result = client.fetch(
        HE_SFTP_TIMEOUT="1", HE_FETCH_RETRIES="1", HE_FETCH_RETRY_DELAY="0.1"
    )
    # THEN the big file fails after two bounded attempts, leaving nothing behind,
    # and the rest of the run goes on
    assert result.returncode != 0
    status, reason, downloaded = client.log()[f"{PARTICIPATION}/{BIG}"]
    assert (status, downloaded) == ("error", False)
    assert "no answer from the server within 1 s (gave up after 2 attempts)" in reason
    assert scripted_server.faults.opened.count(BIG) == 2
    assert _part_files(client) == []
    assert client.log()[f"{PARTICIPATION}/{SMALL}"] == ("fetched", None, True)
    assert "Traceback" not in result.stderr
    assert client.raw_rows() == data_rows([small])


def test_names_that_try_to_leave_the_folder_are_never_used(
    client: Client, scripted_server: AsyncsshServer, tmp_path: Path
) -> None:
    # GIVEN a server that lists, beside one real report, names with path parts,
    # a NUL byte, and a real report's name twice
    root = scripted_server.root
    good = deliver(root, PARTICIPATION, SMALL, participation_csv("2024-09-04"))
    twice = deliver(root, PARTICIPATION, BIG, participation_csv("2024-09-03"))
    # (paramiko itself drops the "." and ".." entries of a listing)
    hostile = [
        "../escape.csv",
        "../../" + report_name(PARTICIPATION, "2024-09-05"),
        "sub/" + report_name(PARTICIPATION, "2024-09-06"),
        report_name(PARTICIPATION, "2024-09-07") + "\x00.sh",
    ]
    scripted_server.faults.extra_names[PARTICIPATION] = [*hostile, BIG]
    # WHEN fetch runs
    result = ok(client.fetch())
    # THEN each hostile name is skipped as unsafe (recorded with its odd characters
    # escaped), the doubly listed name is skipped, and only the real report lands
    log = client.log()
    for name in hostile:
        recorded = name.encode("unicode_escape").decode()
        status, reason, downloaded = log[f"{PARTICIPATION}/{recorded}"]
        assert (status, downloaded) == ("skipped", False), name
        assert reason.startswith("unsafe name"), name
    assert log[f"{PARTICIPATION}/{BIG}"][:2] == (
        "skipped",
        "the server listed this name more than once",
    )
    assert log[f"{PARTICIPATION}/{SMALL}"][0] == "fetched"
    assert client.landed().keys() == {f"{PARTICIPATION}/{SMALL}"}
    assert "escape.csv" not in {path.name for path in tmp_path.rglob("*")}
    assert client.raw_rows() == data_rows([good])
    assert twice.exists()
    assert "1 fetched" in result.stdout
