"""The loader: every file recorded once, every row loaded or rejected with a reason."""

from __future__ import annotations

import json
import random
import shutil
import stat
from pathlib import Path

from helpers.cli import ok, run_cli, with_findings
from helpers.district import District, csv_rows

PARTICIPATION = "clever/daily-participation"
HEADER = (
    "date,sis_id,clever_user_id,clever_school_id,school_name,active,num_logins,"
    "num_resources_accessed"
)


def _write(path: Path, *lines: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines))
    return path


def _manifest(district: District) -> dict[str, tuple]:
    rows = district.query(
        "select file_path, status, rows_in, rows_loaded, rows_rejected, reason "
        "from loader.manifest order by file_id",
        "restricted",
    )
    return {row[0]: row[1:] for row in rows}


def test_first_load_keeps_every_row_of_every_file(small_district: District) -> None:
    # GIVEN a generated district's deliveries, counted independently with Python
    files = small_district.files("clever/*/*.csv")
    expected = {p.relative_to(small_district.landing).as_posix(): p for p in files}
    # WHEN they are loaded
    ok(run_cli("load", data_dir=small_district.data_dir))
    # THEN each Clever file has one manifest row, loaded, rows in = its data rows
    # (the other sources' files: test_sources.py)
    manifest = {
        name: row
        for name, row in _manifest(small_district).items()
        if name.startswith("clever/")
    }
    assert manifest.keys() == expected.keys()
    for name, path in expected.items():
        status, rows_in, rows_loaded, rows_rejected, _ = manifest[name]
        assert status == "loaded"
        assert rows_in == rows_loaded == len(csv_rows(path)), name
        assert rows_rejected == 0
    # AND the raw tables hold exactly those rows, as text, with the user type
    for table, report in (
        ("daily_participation", "daily-participation"),
        ("resource_usage", "resource-usage"),
    ):
        delivered = small_district.rows(f"clever/{report}/*.csv")
        raw = small_district.scalar(
            f"select count(*) from raw_clever.{table}", "restricted"
        )
        assert raw == len(delivered) > 0
    user_types = small_district.query(
        "select distinct _user_type from raw_clever.daily_participation order by 1",
        "restricted",
    )
    assert user_types == [("staff",), ("students",), ("teachers",)]


def test_second_run_adds_nothing(small_district: District) -> None:
    # GIVEN a loaded district
    ok(run_cli("load", data_dir=small_district.data_dir))
    before = small_district.query(
        "select (select count(*) from loader.manifest), "
        "(select count(*) from raw_clever.daily_participation), "
        "(select count(*) from raw_clever.resource_usage)",
        "restricted",
    )
    # WHEN the loader runs again over the same files, even after they are touched
    for path in small_district.files("clever/*/*.csv")[:5]:
        path.touch()
    result = ok(run_cli("load", data_dir=small_district.data_dir))
    # THEN no manifest row and no raw row is added
    after = small_district.query(
        "select (select count(*) from loader.manifest), "
        "(select count(*) from raw_clever.daily_participation), "
        "(select count(*) from raw_clever.resource_usage)",
        "restricted",
    )
    assert after == before
    assert "0 files loaded" in result.stderr


def test_same_bytes_under_a_new_name_is_a_duplicate(small_district: District) -> None:
    # GIVEN a loaded district
    ok(run_cli("load", data_dir=small_district.data_dir))
    raw_before = small_district.scalar(
        "select count(*) from raw_clever.daily_participation", "restricted"
    )
    # WHEN a delivered file arrives again under another (valid) name
    original = small_district.files(f"{PARTICIPATION}/*-students.csv")[0]
    copy = original.with_name("2030-01-01-daily-participation-students.csv")
    shutil.copy(original, copy)
    ok(run_cli("load", data_dir=small_district.data_dir))
    # THEN it is recorded as a duplicate of the first and adds zero rows
    status, *_, reason = _manifest(small_district)[f"{PARTICIPATION}/{copy.name}"]
    assert status == "duplicate"
    assert original.name in reason
    assert (
        small_district.scalar(
            "select count(*) from raw_clever.daily_participation", "restricted"
        )
        == raw_before
    )


def test_swapped_header_quarantines_the_file(tmp_path: Path) -> None:
    # GIVEN a delivery whose header has two columns swapped
    landing = tmp_path / "landing"
    swapped = HEADER.replace("active,num_logins", "num_logins,active")
    _write(
        landing / PARTICIPATION / "2024-09-03-daily-participation-students.csv",
        swapped,
        "2024-09-03,s1,u1,k1,School,3,True,1",
    )
    # WHEN it is loaded
    result = run_cli("load", data_dir=tmp_path)
    # THEN the run fails naming the file and the reason, and nothing is loaded
    assert result.returncode != 0
    assert "2024-09-03-daily-participation-students.csv" in result.stderr
    assert "out of order" in result.stderr
    district = District(tmp_path)
    status, rows_in, *_ = _manifest(district)[
        f"{PARTICIPATION}/2024-09-03-daily-participation-students.csv"
    ]
    assert (status, rows_in) == ("quarantined", None)
    assert (
        district.scalar(
            "select count(*) from raw_clever.daily_participation", "restricted"
        )
        == 0
    )


def test_missing_header_column_quarantines_the_file(tmp_path: Path) -> None:
    # GIVEN a delivery without its num_resources_accessed column
    landing = tmp_path / "landing"
    _write(
        landing / PARTICIPATION / "2024-09-03-daily-participation-teachers.csv",
        HEADER.rsplit(",", 1)[0],
        "2024-09-03,t1,u1,k1,School,True,3",
    )
    # WHEN it is loaded THEN the run fails and says which column is missing
    result = run_cli("load", data_dir=tmp_path)
    assert result.returncode != 0
    assert "missing num_resources_accessed" in result.stderr


def test_empty_file_is_quarantined_and_header_only_file_loads(tmp_path: Path) -> None:
    # GIVEN an empty delivery and a header-only delivery
    folder = tmp_path / "landing" / PARTICIPATION
    folder.mkdir(parents=True)
    (folder / "2024-09-03-daily-participation-staff.csv").write_bytes(b"")
    _write(
        folder / "2024-09-04-daily-participation-staff.csv",
        HEADER.replace("sis_id", "staff_id"),
    )
    # WHEN they are loaded
    result = run_cli("load", data_dir=tmp_path)
    # THEN the empty one is quarantined, the header-only one loaded with zero rows
    assert result.returncode != 0
    manifest = _manifest(District(tmp_path))
    assert manifest[f"{PARTICIPATION}/2024-09-03-daily-participation-staff.csv"][0] == (
        "quarantined"
    )
    assert manifest[f"{PARTICIPATION}/2024-09-04-daily-participation-staff.csv"][
        :3
    ] == ("loaded", 0, 0)


def test_bad_rows_are_rejected_with_their_line_numbers(tmp_path: Path) -> None:
    # GIVEN a file whose lines 3, 5, 6 and 8 are broken in different ways; every
    # line carries its own line number in clever_user_id
    lines = [
        HEADER,
        "2024-09-03,s2,u2,k,School,True,2,1",  # line 2: good
        "2024-09-03,s3,u3,k,School,Maybe,2,1",  # 3: active not True/False
        "2024-09-03,s4,u4,k,School,False,0,0",  # 4: good
        "2024-09-03,s5,u5,k,School",  # 5: missing fields
        "2024-09-03,s6,u6,k,School,True,1,1,extra",  # 6: a field too many
        "2024-09-03,s7,u7,k,School,True,1,1",  # 7: good
        "2024-02-30,s8,u8,k,School,True,x,1",  # 8: no such date, count not a number
        "2024-09-03,,u9,k,School,False,0,0",  # 9: good (blank sis_id is allowed)
    ]
    path = _write(
        tmp_path
        / "landing"
        / PARTICIPATION
        / "2024-09-03-daily-participation-students.csv",
        *lines,
    )
    # WHEN it is loaded
    with_findings(run_cli("load", data_dir=tmp_path))
    district = District(tmp_path)
    # THEN rows in = rows loaded + rows rejected = the file's 8 data lines
    _, rows_in, rows_loaded, rows_rejected, _ = _manifest(district)[
        path.relative_to(tmp_path / "landing").as_posix()
    ]
    assert (rows_in, rows_loaded, rows_rejected) == (8, 4, 4)
    # AND each rejected line is recorded with its number and a reason
    rejects = dict(
        district.query(
            "select line, reason from loader.rejects order by line", "restricted"
        )
    )
    assert sorted(rejects) == [3, 5, 6, 8]
    assert "active 'Maybe' is not True or False" in rejects[3]
    assert "MISSING COLUMNS" in rejects[5]
    assert "TOO MANY COLUMNS" in rejects[6]
    assert "date '2024-02-30'" in rejects[8] and "num_logins 'x'" in rejects[8]
    # AND every loaded row knows its own line, even after rejected lines
    loaded = district.query(
        "select _source_row, clever_user_id from raw_clever.daily_participation "
        "order by _source_row",
        "restricted",
    )
    assert loaded == [(2, "u2"), (4, "u4"), (7, "u7"), (9, "u9")]


def test_restated_file_is_recorded_as_a_new_version(small_district: District) -> None:
    # GIVEN a loaded district
    ok(run_cli("load", data_dir=small_district.data_dir))
    path = small_district.files(f"{PARTICIPATION}/*-students.csv")[0]
    name = path.relative_to(small_district.landing).as_posix()
    # WHEN Clever restates that file under the same name with one row changed
    text = path.read_text().splitlines()
    first = text[1].split(",")
    first[5] = "False" if first[5] == "True" else "True"
    text[1] = ",".join(first)
    path.write_text("\n".join(text) + "\n")
    ok(run_cli("load", data_dir=small_district.data_dir))
    # THEN both versions are in the manifest as loaded; the raw table keeps both
    versions = small_district.query(
        "select file_sha256, rows_loaded from loader.manifest "
        f"where file_path = '{name}' order by file_id",
        "restricted",
    )
    assert len(versions) == 2 and versions[0][0] != versions[1][0]
    assert versions[0][1] == versions[1][1] == len(text) - 1


def test_oea_per_user_type_layout_loads(tmp_path: Path, oea_data: Path) -> None:
    # GIVEN OEA's published sample in its Students/Students.csv layout
    target = tmp_path / "landing" / PARTICIPATION / "Students"
    target.mkdir(parents=True)
    shutil.copy(oea_data / f"{PARTICIPATION}/Students/Students.csv", target)
    # WHEN it is loaded
    ok(run_cli("load", data_dir=tmp_path))
    # THEN all 15,000 rows are in, recorded as students
    counts = District(tmp_path).query(
        "select _user_type, count(*) from raw_clever.daily_participation group by 1",
        "restricted",
    )
    assert counts == [("students", 15000)]


def test_landing_dir_can_be_any_drop_folder(tmp_path: Path) -> None:
    # GIVEN deliveries dropped in a folder outside the data folder
    drop = tmp_path / "drop"
    _write(
        drop / PARTICIPATION / "2024-09-03-daily-participation-students.csv",
        HEADER,
        "2024-09-03,s1,u1,k,School,True,2,1",
    )
    # WHEN the loader is pointed at it
    ok(run_cli("load", "--landing-dir", str(drop), data_dir=tmp_path / "data"))
    # THEN its rows are loaded into the data folder's restricted database
    assert (
        District(tmp_path / "data").scalar(
            "select count(*) from raw_clever.daily_participation", "restricted"
        )
        == 1
    )


def test_restricted_database_is_private(small_district: District) -> None:
    # GIVEN a loaded district
    ok(run_cli("load", data_dir=small_district.data_dir))
    # THEN restricted.duckdb can be read by its owner only
    mode = stat.S_IMODE(small_district.restricted.stat().st_mode)
    assert mode == 0o600


def test_unknown_file_names_are_recorded_and_ignored(small_district: District) -> None:
    # GIVEN a stray file in the Clever folder
    stray = _write(small_district.landing / "clever" / "notes.csv", "a,b", "1,2")
    # WHEN loading THEN it is recorded as ignored and the run still succeeds
    with_findings(run_cli("load", data_dir=small_district.data_dir))
    status, *_, reason = _manifest(small_district)["clever/notes.csv"]
    assert status == "ignored" and "not a known" in reason
    assert stray.exists()


def test_a_file_the_reader_cannot_parse_is_quarantined_alone(tmp_path: Path) -> None:
    # GIVEN three deliveries loaded together, the middle one garbage after its header
    # (random bytes that stop DuckDB's CSV reader outright)
    folder = tmp_path / "landing" / PARTICIPATION
    for day in ("03", "05"):
        _write(
            folder / f"2024-09-{day}-daily-participation-students.csv",
            HEADER,
            f"2024-09-{day},s1,u1,k,School,True,2,1",
        )
    garbage = folder / "2024-09-04-daily-participation-students.csv"
    garbage.write_bytes((HEADER + "\n").encode() + random.Random(1).randbytes(5000))
    # WHEN they are loaded
    result = run_cli("load", data_dir=tmp_path)
    # THEN only the garbage file is quarantined, as unreadable; the others load
    assert result.returncode != 0
    manifest = _manifest(District(tmp_path))
    status, *_, reason = manifest[f"{PARTICIPATION}/{garbage.name}"]
    assert status == "quarantined" and reason.startswith("unreadable as CSV")
    loaded = [name for name, row in manifest.items() if row[0] == "loaded"]
    assert len(loaded) == 2
    assert (
        District(tmp_path).scalar(
            "select count(*) from raw_clever.daily_participation", "restricted"
        )
        == 2
    )


def test_running_out_of_memory_stops_the_load_and_quarantines_nothing(
    small_district: District,
) -> None:
    # GIVEN a district whose first Microsoft 365 report is a large file: its pages
    # delivered 200 times over (10 MB), each record counted here with Python's json
    report = small_district.files("graph/M365_App_User_Detail/*/*.json")[0]
    pages = report.read_text().rstrip("\n") + "\n"
    report.write_text(pages * 200)
    records = sum(
        len(json.loads(line)["value"]) for line in report.read_text().splitlines()
    )
    # WHEN its source loads with far less memory than parsing that file takes
    starved = run_cli(
        "load",
        "graph",
        data_dir=small_district.data_dir,
        env={"HE_MEMORY_LIMIT": "32MB"},
    )
    # THEN it stops, naming the file and the setting to raise
    assert starved.returncode != 0
    relative = report.relative_to(small_district.landing).as_posix()
    assert f"DuckDB ran out of memory loading {relative}" in starved.stderr
    assert "raise HE_MEMORY_LIMIT (now 32MB)" in starved.stderr
    # AND no file is quarantined for it: a good file is never blamed for the machine
    statuses = {row[0] for row in _manifest(small_district).values()}
    assert "quarantined" not in statuses
    # WHEN it runs again with the default memory
    with_findings(run_cli("load", data_dir=small_district.data_dir))
    # THEN the large file loads whole: each record once, its 199 repeats rejected
    # as duplicates of that first line
    status, rows_in, rows_loaded, rows_rejected, _ = _manifest(small_district)[relative]
    assert (status, rows_in) == ("loaded", records)
    assert (rows_loaded, rows_rejected) == (records // 200, records - records // 200)
