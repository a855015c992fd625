"""fetch against a real SFTP server on 127.0.0.1: each delivered file's content is
fetched once (and again only when it changes), every remote entry gets one status per
run, and `fetch` (with its default --load) then runs the load step."""

from __future__ import annotations

import csv
import hashlib
import os
import re
import shutil
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from helpers.cli import ok, run_cli
from helpers.district import District, csv_rows, generate
from helpers.fetch import (
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
from helpers.sftp_servers import (
    Keys,
    SftpServer,
    SshdServer,
    sftp_server_program,
    sshd_available,
)

from loaders.lock import pipeline_lock
from loaders.sources.clever import SOURCE as CLEVER
from loaders.specs import DeliveredFile


@pytest.fixture
def client(sftp_server, tmp_path: Path) -> Client:
    return Client(sftp_server, tmp_path / "district", tmp_path / "client")


def test_first_run_fetches_and_loads_everything_and_second_run_adds_nothing(
    each_server: SftpServer, tmp_path: Path
) -> None:
    server = each_server
    client = Client(server, tmp_path / "district", tmp_path / "client")
    # GIVEN two days of Clever reports on the server
    delivered = deliver_day(server.root, "2024-09-03") + deliver_day(
        server.root, "2024-09-04"
    )
    # WHEN fetch runs
    result = ok(client.fetch())
    # THEN every remote file was downloaded, with exactly one status
    assert client.statuses() == dict.fromkeys(server_listing(server.root), "fetched")
    assert all(downloaded for _, _, downloaded in client.log().values())
    # AND the load step that followed put every delivered row in the raw tables
    # (counted with Python's csv)
    assert client.raw_rows() == data_rows(delivered) > 0
    # AND landing/clever mirrors the server, with no partial file left
    landed = client.landed()
    assert set(landed) == server_listing(server.root)
    assert "12 fetched" in result.stdout

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
        assert (status, downloaded) == ("unchanged", False)
        assert reason.startswith("same size and modification time as when fetched")
    assert client.landed() == landed
    assert client.raw_rows() == data_rows(delivered)
    assert (
        client.district.scalar("select count(*) from loader.manifest", "restricted")
        == manifest_before
    )
    assert "0 fetched" in result.stdout and "12 unchanged" in result.stdout


def test_a_new_file_with_the_same_mtime_second_is_fetched(client: Client) -> None:
    # GIVEN a fetched day of reports, all modified in the same second
    root = client.server.root
    first = deliver_day(root, "2024-09-03")
    ok(client.fetch())
    # WHEN another report arrives carrying that very same modification second
    late_name = report_name(PARTICIPATION, "2024-09-04")
    late = deliver(root, PARTICIPATION, late_name, participation_csv("2024-09-04"))
    assert late.stat().st_mtime == first[0].stat().st_mtime
    ok(client.fetch())
    # THEN it is downloaded and loaded (a newest-timestamp watermark would lose it),
    # and the files fetched before are left alone
    log = client.log()
    assert log[f"{PARTICIPATION}/{late_name}"][::2] == ("fetched", True)
    others = {
        path: status for path, (status, _, _) in log.items() if late_name not in path
    }
    assert others == dict.fromkeys(
        server_listing(root) - {f"{PARTICIPATION}/{late_name}"}, "unchanged"
    )
    assert client.raw_rows() == data_rows([*first, late])


def test_same_bytes_again_are_fetched_by_name_and_add_no_rows(client: Client) -> None:
    # GIVEN a fetched and loaded day
    root = client.server.root
    delivered = deliver_day(root, "2024-09-03")
    ok(client.fetch())
    rows_before = client.raw_rows()
    landed = client.landed()
    original = root / PARTICIPATION / report_name(PARTICIPATION, "2024-09-03")
    # WHEN the same bytes are delivered under a new name, and another file is
    # touched on the server (new mtime, same bytes)
    again = report_name(PARTICIPATION, "2024-09-10")
    deliver(root, PARTICIPATION, again, original.read_bytes())
    touched = root / USAGE / report_name(USAGE, "2024-09-03", "teachers")
    os.utime(touched, (DELIVERED + 3600, DELIVERED + 3600))
    ok(client.fetch())
    # THEN fetch, which goes by path, fetches the new name; it downloads the
    # touched file again but keeps the landed one (same inode), as unchanged
    log = client.log()
    assert log[f"{PARTICIPATION}/{again}"] == ("fetched", None, True)
    status, reason, downloaded = log[f"{USAGE}/{touched.name}"]
    assert (status, downloaded) == ("unchanged", True)
    assert "same content as fetched" in reason
    assert (
        client.landed()[f"{USAGE}/{touched.name}"] == landed[f"{USAGE}/{touched.name}"]
    )
    # AND the next run does not download the touched file again
    ok(client.fetch())
    assert client.log()[f"{USAGE}/{touched.name}"][::2] == ("unchanged", False)
    # AND the load step adds no row: the manifest records the new name as a
    # duplicate of the original
    assert client.raw_rows() == rows_before == data_rows(delivered)
    assert client.district.query(
        "select status, duplicate_of from loader.manifest "
        f"where file_path like '%{again}'",
        "restricted",
    ) == [("duplicate", f"clever/{PARTICIPATION}/{original.name}")]


def test_each_unusual_entry_ends_with_its_own_status(
    client: Client, tmp_path: Path
) -> None:
    # GIVEN a server folder holding one good report and everything else that can
    # turn up: a link to a file outside the served root, a folder, hidden, partial
    # and unrelated files, a name with a newline, an empty file, a report with the
    # wrong report's header, and a report name in the wrong folder
    root = client.server.root
    outside = tmp_path / "outside" / "secret.csv"
    outside.parent.mkdir()
    outside.write_text(participation_csv("2024-09-03", users=7))
    folder = root / PARTICIPATION
    good = deliver(
        root,
        PARTICIPATION,
        report_name(PARTICIPATION, "2024-09-03"),
        participation_csv("2024-09-03"),
    )
    link = folder / report_name(PARTICIPATION, "2024-09-03", "teachers")
    link.symlink_to(outside)
    (folder / report_name(PARTICIPATION, "2024-09-04")).mkdir()
    deliver(root, PARTICIPATION, "." + report_name(PARTICIPATION, "2024-09-05"), "x\n")
    deliver(
        root, PARTICIPATION, report_name(PARTICIPATION, "2024-09-06") + ".part", "x\n"
    )
    deliver(root, PARTICIPATION, "notes.txt", "hello\n")
    newline_name = report_name(PARTICIPATION, "2024-09-07") + "\n"
    deliver(root, PARTICIPATION, newline_name, participation_csv("2024-09-07"))
    empty = deliver(root, PARTICIPATION, report_name(PARTICIPATION, "2024-09-08"), b"")
    wrong = deliver(
        root,
        PARTICIPATION,
        report_name(PARTICIPATION, "2024-09-09"),
        usage_csv("2024-09-09"),
    )
    misplaced = deliver(
        root,
        USAGE,
        report_name(PARTICIPATION, "2024-09-03"),
        participation_csv("2024-09-03"),
    )
    # WHEN fetch runs (and then the load step)
    result = client.fetch()
    # THEN it fails, naming the file fetch left for later and the file the load
    # step quarantined, and why
    assert result.returncode != 0
    assert empty.name in result.stderr and "empty (0 bytes)" in result.stderr
    assert wrong.name in result.stderr and "header does not match" in result.stderr
    # AND every entry has exactly one status, with the reason
    log = client.log()
    escaped = newline_name.replace("\n", "\\n")
    expected = {
        good.name: ("fetched", None),
        link.name: ("skipped", "symbolic link"),
        report_name(PARTICIPATION, "2024-09-04"): ("skipped", "a folder"),
        "." + report_name(PARTICIPATION, "2024-09-05"): ("skipped", "hidden"),
        report_name(PARTICIPATION, "2024-09-06") + ".part": ("skipped", "partial"),
        "notes.txt": ("skipped", "not a clever daily-participation report file name"),
        escaped: ("skipped", "unsafe name (contains a control character"),
        empty.name: ("skipped", "empty (0 bytes)"),
        wrong.name: ("fetched", None),
    }
    assert {p.split("/", 1)[1] for p in log if p.startswith(PARTICIPATION)} == set(
        expected
    )
    for name, (status, fragment) in expected.items():
        got_status, got_reason, _ = log[f"{PARTICIPATION}/{name}"]
        assert got_status == status, name
        assert (got_reason is None) if fragment is None else (fragment in got_reason), (
            name
        )
    assert log[f"{USAGE}/{misplaced.name}"][:2] == (
        "skipped",
        "not a clever resource-usage report file name",
    )
    # AND only the good and the wrong-header report were downloaded: the link's
    # target never left the server
    assert set(client.landed()) == {
        f"{PARTICIPATION}/{good.name}",
        f"{PARTICIPATION}/{wrong.name}",
    }
    downloaded = sorted(name for name, (_, _, fetched) in log.items() if fetched)
    assert downloaded == [
        f"{PARTICIPATION}/{good.name}",
        f"{PARTICIPATION}/{wrong.name}",
    ]
    # AND the loader's verdict on the wrong one is in its manifest, not in fetch_log
    assert client.district.query(
        "select status from loader.manifest where file_path like ?",
        "restricted",
        [f"%/{wrong.name}"],
    ) == [("quarantined",)]
    assert client.raw_rows() == data_rows([good])


def test_a_file_younger_than_the_settle_time_waits_for_a_later_run(
    client: Client,
) -> None:
    # GIVEN a report modified just now on the server
    root = client.server.root
    fresh = deliver(
        root,
        PARTICIPATION,
        report_name(PARTICIPATION, "2024-09-03"),
        participation_csv("2024-09-03"),
        mtime=time.time(),
    )
    # WHEN fetch runs with a settle time of an hour
    result = client.fetch(HE_FETCH_SETTLE_SECONDS="3600")
    # THEN the file is not read, the run says so and exits non-zero
    assert result.returncode != 0
    status, reason, downloaded = client.log()[f"{PARTICIPATION}/{fresh.name}"]
    assert (status, downloaded) == ("skipped", False)
    assert "within the settle time of 3600 s" in reason
    assert fresh.name in result.stderr
    assert client.landed() == {}
    # WHEN a later run finds it settled
    ok(client.fetch(HE_FETCH_SETTLE_SECONDS="0"))
    # THEN it is fetched and loaded
    assert client.statuses()[f"{PARTICIPATION}/{fresh.name}"] == "fetched"
    assert client.raw_rows() == data_rows([fresh])


def test_a_thousand_files_are_listed_but_not_downloaded_again(client: Client) -> None:
    # GIVEN 1,002 tiny reports on the server, fetched once
    root = client.server.root
    first_day = date(2021, 1, 1)
    for offset in range(334):
        day = (first_day + timedelta(days=offset)).isoformat()
        for user_type in ("students", "teachers", "staff"):
            deliver(
                root,
                PARTICIPATION,
                report_name(PARTICIPATION, day, user_type),
                participation_csv(day, user_type, users=1),
            )
    ok(client.fetch("--no-load"))
    assert len(client.landed()) == 1002
    landed = client.landed()
    # WHEN fetch runs again
    result = ok(client.fetch("--no-load"))
    # THEN it lists all 1,002 and downloads none of them
    log = client.log()
    assert len(log) == 1002
    assert not any(downloaded for _, _, downloaded in log.values())
    assert {status for status, _, _ in log.values()} == {"unchanged"}
    assert client.landed() == landed
    assert "0 fetched" in result.stdout and "1,002 unchanged" in result.stdout


def test_a_second_run_at_the_same_time_is_told_it_is_locked(client: Client) -> None:
    # GIVEN a report on the server and another run holding the data folder's lock
    deliver_day(client.server.root, "2024-09-03")
    with pipeline_lock(client.data_dir / ".pipeline.lock"):
        # WHEN fetch starts
        result = client.fetch()
    # THEN it stops with a clear "locked" message before connecting
    assert result.returncode != 0
    assert "locked" in result.stderr
    assert client.server.auth_attempts() == 0
    assert not (client.data_dir / "landing").exists()


def test_a_local_drop_folder_is_mirrored_with_the_same_rules(tmp_path: Path) -> None:
    # GIVEN a drop folder laid out like Clever's SFTP, with a link in it
    drop = tmp_path / "drop"
    delivered = deliver_day(drop, "2024-09-03")
    outside = tmp_path / "outside.csv"
    outside.write_text(participation_csv("2024-09-04"))
    (drop / PARTICIPATION / report_name(PARTICIPATION, "2024-09-04")).symlink_to(
        outside
    )
    data_dir = tmp_path / "district"
    env = {"HE_FETCH_SETTLE_SECONDS": "60"}
    # WHEN fetch mirrors it, twice, with the default recheck window
    ok(run_cli("fetch", "--from-dir", str(drop), data_dir=data_dir, env=env))
    first = _statuses(data_dir)
    landing = data_dir / "landing" / "clever"
    inodes = {p: p.stat().st_ino for p in landing.rglob("*.csv")}
    ok(run_cli("fetch", "--from-dir", str(drop), data_dir=data_dir, env=env))
    second = _statuses(data_dir)
    # THEN the first run fetches the reports (and the load step loads them) and
    # skips the link; the second reads the same day's reports again (they are in
    # the recheck window), finds them unchanged and leaves the landed files alone
    link = (
        f"{drop.resolve()}/{PARTICIPATION}/{report_name(PARTICIPATION, '2024-09-04')}"
    )
    assert first.pop(link) == "skipped"
    assert first == dict.fromkeys((str(p.resolve()) for p in delivered), "fetched")
    assert second.pop(link) == "skipped"
    assert second == dict.fromkeys((str(p.resolve()) for p in delivered), "unchanged")
    assert {p: p.stat().st_ino for p in landing.rglob("*.csv")} == inodes
    assert District(data_dir).scalar(
        "select count(*) from raw_clever.daily_participation", "restricted"
    ) == data_rows([p for p in delivered if PARTICIPATION in str(p)])


def _statuses(data_dir: Path) -> dict[str, str]:
    return dict(
        District(data_dir).query(
            "select remote_path, status from loader.fetch_log "
            "where run_id = (select max(run_id) from loader.fetch_log)",
            "restricted",
        )
    )


def test_every_fetchable_name_lands_where_the_loader_reads_it(tmp_path: Path) -> None:
    # GIVEN every kind of file name fetch allows from Clever's SFTP
    landing = tmp_path / "landing"
    for folder in CLEVER.remote_folders:
        for user_type in ("students", "teachers", "staff"):
            name = report_name(folder.name, "2024-09-03", user_type)
            assert folder.file_name.fullmatch(name)
            # WHEN it lands in <landing>/clever/<folder>/
            (landing / "clever" / folder.name).mkdir(parents=True, exist_ok=True)
            (landing / "clever" / folder.name / name).write_text("x\n")
        # AND every OEA-layout name it allows in a user type's folder
        assert folder.subfolder_file_name is not None
        for subfolder in folder.subfolders:
            name = f"{subfolder}.csv"
            assert folder.subfolder_file_name.fullmatch(name)
            inside = landing / "clever" / folder.name / subfolder
            inside.mkdir(parents=True)
            (inside / name).write_text("x\n")
    # THEN the loader recognizes each one as its report and user type
    found = list(CLEVER.discover(landing))
    assert len(found) == 12
    for delivered in found:
        assert isinstance(delivered, DeliveredFile), delivered
        folder = delivered.relative_path.split("/")[1]
        assert delivered.table.name == folder.replace("-", "_")
        assert delivered.metadata["_user_type"] in delivered.path.name.lower()


def _clever(folder: str, names: list[str]) -> list[str]:
    """shutil.copytree's ignore: the top-level clever folder."""
    return ["clever"] if "clever" in names and Path(folder).name == "landing" else []


@pytest.mark.slow
def test_a_restated_report_replaces_its_earlier_version_end_to_end(
    client: Client, tmp_path: Path, salt: str
) -> None:
    # GIVEN a generated district's Clever files on the server, fetched and built,
    # and its other sources (the SIS roster above all) delivered and loaded
    root = client.server.root
    generated = generate(tmp_path / "generated")
    shutil.copytree(generated.landing / "clever", root, dirs_exist_ok=True)
    for path in root.rglob("*.csv"):
        os.utime(path, (DELIVERED, DELIVERED))
    shutil.copytree(generated.landing, client.district.landing, ignore=_clever)
    ok(run_cli("load", data_dir=client.data_dir))
    ok(client.fetch("--build"))
    restated = sorted((root / PARTICIPATION).glob("*-students.csv"))[0]
    relative = f"clever/{PARTICIPATION}/{restated.name}"
    rows = csv_rows(restated)
    assert len(rows) > 1
    # WHEN Clever restates that report: same name, one row changed, a day later
    changed = rows[0]
    old_logins = int(changed["num_logins"])
    changed["num_logins"] = str(old_logins + 50)
    with restated.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    os.utime(restated, (DELIVERED + 86_400, DELIVERED + 86_400))
    ok(client.fetch("--build"))
    # THEN fetch downloads it as a new version, and only it, and the load step
    # loads it
    log = client.log()
    assert log[f"{PARTICIPATION}/{restated.name}"][::2] == ("fetched", True)
    assert sum(downloaded for _, _, downloaded in log.values()) == 1
    assert client.district.query(
        "select status from loader.manifest where file_path = ? order by file_id",
        "restricted",
        [relative],
    ) == [("loaded",), ("loaded",)]
    # AND staging holds the new version's rows only, not the sum of both versions
    district = client.district
    assert district.scalar(
        "select count(*) from staging.stg_clever__daily_participation "
        f"where _source_file = '{relative}'"
    ) == len(rows)
    participation_rows = data_rows(sorted((root / PARTICIPATION).glob("*.csv")))
    assert (
        district.scalar("select count(*) from staging.stg_clever__daily_participation")
        == participation_rows
    )
    # AND so does digital_activity, where the changed row carries the new value
    assert (
        district.scalar(
            "select count(*) from sqls2_digital_activity.digital_activity "
            "where event_object = 'Clever_Daily_Participation'"
        )
        == participation_rows
    )
    actor = hashlib.sha256((changed["sis_id"] + salt).encode()).hexdigest()
    assert district.query(
        "select generated_aggregateMeasure_metric_numAccess "
        "from sqls2_digital_activity.digital_activity "
        "where event_object = 'Clever_Daily_Participation' and event_actor = ? "
        "and cast(event_eventTime as date) = ?",
        "warehouse",
        [actor, changed["date"]],
    ) == [(old_logins + 50,)]


def test_content_that_goes_back_to_an_earlier_version_is_fetched_each_time(
    client: Client,
) -> None:
    # GIVEN a report fetched as version A
    root = client.server.root
    name = report_name(PARTICIPATION, "2024-09-03")
    path = f"{PARTICIPATION}/{name}"
    version_a = participation_csv("2024-09-03", users=3)
    version_b = participation_csv("2024-09-03", users=4)
    deliver(root, PARTICIPATION, name, version_a, mtime=DELIVERED)
    ok(client.fetch("--no-load"))
    # WHEN the server replaces it with B, and later with A again
    deliver(root, PARTICIPATION, name, version_b, mtime=DELIVERED + 60)
    ok(client.fetch("--no-load"))
    landed = client.district.landing / "clever" / path
    assert landed.read_text() == version_b
    deliver(root, PARTICIPATION, name, version_a, mtime=DELIVERED + 120)
    ok(client.fetch("--no-load"))
    # THEN each version was downloaded and landed: the landed file holds A's bytes
    # and the server's mtime, and fetch_log says `fetched` three times
    assert landed.read_text() == version_a
    assert landed.stat().st_mtime == DELIVERED + 120
    history = client.history(path)
    assert [(status, downloaded) for status, _, downloaded in history] == [
        ("fetched", True)
    ] * 3
    assert history[2][1].startswith("a new version (size")
    # AND fetch_files holds A's hash for the path
    assert client.district.query(
        "select file_sha256 from loader.fetch_files where remote_path = ?",
        "restricted",
        [path],
    ) == [(hashlib.sha256(version_a.encode()).hexdigest(),)]


def test_a_recent_report_changed_in_place_is_fetched_and_an_older_one_is_not(
    client: Client,
) -> None:
    # GIVEN reports dated 2024-09-03 (seven days before the newest), 2024-09-04
    # (six days before) and 2024-09-10 (the newest), fetched once
    root = client.server.root
    old, recent, newest = (
        deliver(
            root,
            PARTICIPATION,
            report_name(PARTICIPATION, day),
            participation_csv(day),
        )
        for day in ("2024-09-03", "2024-09-04", "2024-09-10")
    )
    env = {"HE_FETCH_RECHECK_DAYS": "7"}
    ok(client.fetch("--no-load", **env))
    landed = client.landed()
    # WHEN the two older reports are rewritten on the server with other bytes of
    # the same size, keeping their modification time
    for report in (old, recent):
        text = report.read_text()
        changed = text.replace("North School", "South School")
        assert changed != text and len(changed) == len(text)
        deliver(root, PARTICIPATION, report.name, changed, mtime=DELIVERED)
    ok(client.fetch("--no-load", **env))
    log = client.log()
    # THEN the report within the recheck window is downloaded again and, its
    # bytes having changed, landed as fetched
    status, reason, downloaded = log[f"{PARTICIPATION}/{recent.name}"]
    assert (status, reason, downloaded) == (
        "fetched",
        "content changed with the same size and modification time",
        True,
    )
    landing = client.district.landing / "clever" / PARTICIPATION
    assert (landing / recent.name).read_bytes() == recent.read_bytes()
    # AND the newest, downloaded again with the same bytes, is unchanged and its
    # landed file untouched (same inode)
    status, reason, downloaded = log[f"{PARTICIPATION}/{newest.name}"]
    assert (status, downloaded) == ("unchanged", True)
    assert reason.startswith("rechecked")
    assert (
        client.landed()[f"{PARTICIPATION}/{newest.name}"]
        == (landed[f"{PARTICIPATION}/{newest.name}"])
    )
    # AND the report outside the window keeps the size-and-mtime rule: not
    # downloaded, its landed file still the first version
    status, reason, downloaded = log[f"{PARTICIPATION}/{old.name}"]
    assert (status, downloaded) == ("unchanged", False)
    assert reason.startswith("same size and modification time")
    assert "North School" in (landing / old.name).read_text()
    assert (
        client.landed()[f"{PARTICIPATION}/{old.name}"]
        == (landed[f"{PARTICIPATION}/{old.name}"])
    )


def test_oea_per_user_type_folders_are_fetched_into_the_loader_layout(
    client: Client,
) -> None:
    # GIVEN a server with OEA's layout only: one folder per user type in each
    # report folder, beside folders and files that are not part of it
    root = client.server.root
    delivered = [
        deliver(
            root,
            f"{PARTICIPATION}/Students",
            "Students.csv",
            participation_csv("2024-09-03", "students"),
        ),
        deliver(
            root,
            f"{PARTICIPATION}/Teachers",
            "Teachers.csv",
            participation_csv("2024-09-03", "teachers"),
        ),
        deliver(
            root,
            f"{PARTICIPATION}/Staff",
            "Staff.csv",
            participation_csv("2024-09-03", "staff"),
        ),
        deliver(root, f"{USAGE}/Students", "Students.csv", usage_csv("2024-09-03")),
    ]
    (root / PARTICIPATION / "Students" / "archive").mkdir()
    deliver(root, f"{PARTICIPATION}/students", "Students.csv", "x\n")
    deliver(root, f"{PARTICIPATION}/Parents", "Parents.csv", "x\n")
    deliver(root, f"{PARTICIPATION}/Students", "notes.txt", "hello\n")
    deliver(root, f"{PARTICIPATION}/Students", ".Students.csv.part", "x\n")
    # WHEN fetch runs (and then the load step)
    result = ok(client.fetch())
    # THEN the four report files are fetched into the same folders below
    # landing/clever, and every row of them is loaded
    assert "4 fetched" in result.stdout
    fetched = {
        f"{PARTICIPATION}/Students/Students.csv",
        f"{PARTICIPATION}/Teachers/Teachers.csv",
        f"{PARTICIPATION}/Staff/Staff.csv",
        f"{USAGE}/Students/Students.csv",
    }
    assert set(client.landed()) == fetched
    log = client.log()
    assert {path for path, (status, _, _) in log.items() if status == "fetched"} == (
        fetched
    )
    assert client.raw_rows() == data_rows(delivered) > 0
    # AND everything else is skipped with its reason, one level deep only
    expected = {
        f"{PARTICIPATION}/students": "a folder (of the folders in",
        f"{PARTICIPATION}/Parents": "a folder (of the folders in",
        f"{PARTICIPATION}/Students/archive": "a folder (only the files of",
        f"{PARTICIPATION}/Students/notes.txt": "not a clever daily-participation/"
        "Students report file name",
        f"{PARTICIPATION}/Students/.Students.csv.part": "a hidden, partial",
    }
    for path, fragment in expected.items():
        status, reason, downloaded = log[path]
        assert (status, downloaded) == ("skipped", False), path
        assert reason.startswith(fragment), (path, reason)
    assert set(log) == fetched | set(expected)


def test_a_server_without_report_files_says_so_naming_its_folders(
    client: Client,
) -> None:
    # GIVEN a server whose report folders hold no report file
    root = client.server.root
    deliver(root, PARTICIPATION, "notes.txt", "hello\n")
    (root / USAGE).mkdir()
    # WHEN fetch runs
    result = ok(client.fetch("--no-load"))
    # THEN it warns, naming the folders it looked in
    assert "no clever report files in daily-participation/, resource-usage/" in (
        result.stderr
    )


def test_a_fullwidth_digit_name_is_skipped_as_unsafe_and_never_downloaded(
    client: Client,
) -> None:
    # GIVEN a report, and beside it a name in fullwidth digits that Python's \d
    # (and a careless pattern) would take for a report of 2022-01-09
    root = client.server.root
    good = deliver(
        root,
        PARTICIPATION,
        report_name(PARTICIPATION, "2024-09-03"),
        participation_csv("2024-09-03"),
    )
    # U+FF10 to U+FF19: FULLWIDTH DIGIT ZERO to NINE
    fullwidth = "".join(
        chr(0xFF10 + int(c)) if c.isdigit() else c for c in "2022-01-09"
    )
    lookalike = f"{fullwidth}-daily-participation-students.csv"
    assert re.fullmatch(
        r"\d{4}-\d{2}-\d{2}-daily-participation-students\.csv", lookalike
    )
    deliver(root, PARTICIPATION, lookalike, participation_csv("2022-01-09"))
    # WHEN fetch runs
    ok(client.fetch())
    # THEN the lookalike is skipped as unsafe, recorded with its characters
    # escaped, and was never downloaded or written below the data folder
    status, reason, downloaded = client.log()[
        f"{PARTICIPATION}/{lookalike.encode('unicode_escape').decode()}"
    ]
    assert (status, downloaded) == ("skipped", False)
    assert reason.startswith("unsafe name (not plain ASCII")
    assert set(client.landed()) == {f"{PARTICIPATION}/{good.name}"}
    assert not any(
        "daily-participation-students" in path.name and not path.name.isascii()
        for path in client.data_dir.rglob("*")
    )
    assert client.raw_rows() == data_rows([good])


@pytest.fixture
def logging_sshd(ssh_keys: Keys, tmp_path: Path) -> Iterator[SshdServer]:
    """OpenSSH's sshd with the sftp-server program, which logs the bytes it read
    from every file it closed."""
    if not sshd_available() or sftp_server_program() is None:
        pytest.skip("OpenSSH sshd and sftp-server are not installed")
    server = SshdServer(ssh_keys, tmp_path / "server", sftp_log=True)
    yield server
    server.stop()


def test_each_byte_of_a_large_file_is_read_once_from_the_server(
    logging_sshd: SshdServer, tmp_path: Path
) -> None:
    # GIVEN a report of more than 8 MiB and a small one on the server
    client = Client(logging_sshd, tmp_path / "district", tmp_path / "client")
    big_name = report_name(PARTICIPATION, "2024-09-03")
    big = deliver(
        logging_sshd.root, PARTICIPATION, big_name, os.urandom(12 * 2**20 + 12_345)
    )
    small = deliver(
        logging_sshd.root,
        PARTICIPATION,
        report_name(PARTICIPATION, "2024-09-04"),
        participation_csv("2024-09-04"),
    )
    # WHEN fetch downloads them
    ok(client.fetch("--no-load"))
    # THEN the server's own log says it read each file once, byte for byte
    assert logging_sshd.bytes_read(big.name) == [big.stat().st_size]
    assert logging_sshd.bytes_read(small.name) == [small.stat().st_size]
    # AND the landed copies are the server's bytes
    landing = client.district.landing / "clever" / PARTICIPATION
    assert (landing / big.name).read_bytes() == big.read_bytes()
