"""fetch fails closed: a server whose key is not pinned is refused before we
authenticate, wrong credentials say so plainly, secrets never show, and every wait
is bounded."""

from __future__ import annotations

import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import asyncssh
import pytest
from helpers.cli import ok, run_cli
from helpers.district import District
from helpers.fetch import Client, deliver_day
from helpers.sftp_servers import AsyncsshServer, SftpServer


def _nothing_fetched(client: Client) -> None:
    landing = client.data_dir / "landing" / "clever"
    assert not landing.exists() or not any(p.is_file() for p in landing.rglob("*"))


@pytest.mark.parametrize("pinned", ["empty known_hosts", "no known_hosts setting"])
def test_an_unknown_host_key_is_refused_before_authentication(
    each_server: SftpServer, tmp_path: Path, pinned: str
) -> None:
    # GIVEN a server with reports, and a client that has not pinned its key
    server = each_server
    deliver_day(server.root, "2024-09-03")
    client = Client(server, tmp_path / "district", tmp_path / "client")
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("")
    setting = str(known_hosts) if pinned == "empty known_hosts" else ""
    # WHEN fetch connects
    result = client.fetch(HE_SFTP_KNOWN_HOSTS=setting)
    # THEN it stops with a non-zero exit, before any authentication attempt
    assert result.returncode != 0
    assert server.auth_attempts() == 0
    assert "Stopped before authenticating" in result.stderr
    # AND shows the offered key's fingerprint (computed here from the key itself)
    # and the exact line that would pin it
    assert server.keys.host.fingerprint in result.stderr
    assert server.known_hosts_line in result.stderr
    assert f"ssh-keyscan -p {server.port} -t ssh-ed25519 127.0.0.1" in result.stderr
    # AND nothing was fetched, and the key was not added anywhere
    _nothing_fetched(client)
    assert known_hosts.read_text() == ""


def test_a_changed_host_key_is_refused_before_authentication(
    sftp_server: SftpServer, tmp_path: Path
) -> None:
    # GIVEN a client that pinned another key for this host and port
    deliver_day(sftp_server.root, "2024-09-03")
    client = Client(sftp_server, tmp_path / "district", tmp_path / "client")
    known_hosts = sftp_server.pin(tmp_path / "known_hosts", sftp_server.keys.other_host)
    pinned_text = known_hosts.read_text()
    # WHEN fetch connects
    result = client.fetch(HE_SFTP_KNOWN_HOSTS=str(known_hosts))
    # THEN it refuses, says the key does not match, and shows both fingerprints
    assert result.returncode != 0
    assert "does NOT match" in result.stderr
    assert sftp_server.keys.host.fingerprint in result.stderr
    assert sftp_server.keys.other_host.fingerprint in result.stderr
    # AND it never authenticated, fetched nothing, and left the pin alone
    assert sftp_server.auth_attempts() == 0
    _nothing_fetched(client)
    assert known_hosts.read_text() == pinned_text


def test_a_wrong_key_is_refused_with_a_clear_error(
    sftp_server: SftpServer, tmp_path: Path
) -> None:
    # GIVEN a client configured with a key the server does not accept, while the
    # accepted key sits in its ~/.ssh (which must never be looked at)
    deliver_day(sftp_server.root, "2024-09-03")
    client = Client(sftp_server, tmp_path / "district", tmp_path / "client")
    home_ssh = client.work / ".ssh"
    home_ssh.mkdir(parents=True)
    shutil.copy(sftp_server.keys.client.private, home_ssh / "id_ed25519")
    # WHEN fetch runs
    result = client.fetch(HE_SFTP_KEY=str(sftp_server.keys.stranger.private))
    # THEN authentication fails with a message naming the user and the key used,
    # it is not retried, and nothing is fetched
    assert result.returncode != 0
    assert "authentication failed" in result.stderr
    assert f"refused user '{sftp_server.user}'" in result.stderr
    assert sftp_server.keys.stranger.fingerprint in result.stderr
    assert "retrying" not in result.stderr
    _nothing_fetched(client)


def test_a_wrong_password_is_refused_and_never_shown(
    scripted_server: AsyncsshServer, tmp_path: Path
) -> None:
    # GIVEN a server that takes a password, and a client with the wrong one
    deliver_day(scripted_server.root, "2024-09-03")
    client = Client(scripted_server, tmp_path / "district", tmp_path / "client")
    wrong = "not-the-password-4711"
    # WHEN fetch runs, even with verbose logging
    result = run_cli(
        "-v",
        "fetch",
        data_dir=client.data_dir,
        env=client.env(HE_SFTP_KEY="", HE_SFTP_PASSWORD=wrong),
        timeout=120,
    )
    # THEN it fails with a clear message that does not contain the password
    assert result.returncode != 0
    assert "authentication failed" in result.stderr
    assert "the password in HE_SFTP_PASSWORD" in result.stderr
    assert wrong not in result.stdout + result.stderr
    _nothing_fetched(client)


def test_settings_from_a_private_config_file_work_and_secrets_stay_secret(
    scripted_server: AsyncsshServer, tmp_path: Path
) -> None:
    # GIVEN a passphrase-protected key and a password, both in a config file that
    # only its owner can read, and no HE_SFTP_* variable at all
    delivered = deliver_day(scripted_server.root, "2024-09-03")
    passphrase = "correct horse battery staple"
    key = tmp_path / "protected_ed25519"
    asyncssh.read_private_key(
        str(scripted_server.keys.client.private)
    ).write_private_key(str(key), passphrase=passphrase)
    known_hosts = scripted_server.pin(tmp_path / "known_hosts")
    config = tmp_path / "fetch.toml"
    config.write_text(
        "[sftp]\n"
        f'host = "{scripted_server.host}"\n'
        f"port = {scripted_server.port}\n"
        f'user = "{scripted_server.user}"\n'
        f'key = "{key}"\n'
        f'key_passphrase = "{passphrase}"\n'
        f'password = "{scripted_server.password}"\n'
        'root = "/"\n'
        f'known_hosts = "{known_hosts}"\n'
        "timeout = 10\n"
        "[fetch]\n"
        "settle_seconds = 60\n"
    )
    config.chmod(0o600)
    data_dir = tmp_path / "district"
    env = {"HOME": str(tmp_path)}
    # WHEN fetch runs with --config and verbose logging
    result = ok(
        run_cli("-v", "fetch", "--config", str(config), data_dir=data_dir, env=env)
    )
    # THEN it fetched and loaded the day
    district = District(data_dir)
    assert district.scalar(
        "select count(*) from loader.fetch_log where status = 'fetched'", "restricted"
    ) == len(delivered)
    assert district.scalar(
        "select count(*) from loader.manifest where status = 'loaded'", "restricted"
    ) == len(delivered)
    # AND neither secret appears in the output or anywhere in restricted.duckdb
    for secret in (passphrase, scripted_server.password):
        assert secret not in result.stdout + result.stderr
        assert secret.encode() not in district.restricted.read_bytes()

    # WHEN the same file is readable by other users
    config.chmod(0o644)
    result = run_cli("fetch", "--config", str(config), data_dir=data_dir, env=env)
    # THEN fetch refuses to use it, and says how to fix it
    assert result.returncode != 0
    assert f"chmod 600 {config}" in result.stderr

    # WHEN the passphrase is wrong
    config.write_text(config.read_text().replace(passphrase, "wrong passphrase"))
    config.chmod(0o600)
    result = run_cli("fetch", "--config", str(config), data_dir=data_dir, env=env)
    # THEN the message says, in one line, that this passphrase does not open that key
    assert result.returncode != 0
    assert (
        f"the passphrase in HE_SFTP_KEY_PASSPHRASE does not decrypt the private key "
        f"{key}" in result.stderr
    )
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "problem", ["encrypted key, no passphrase", "wrong passphrase", "no known_hosts"]
)
def test_a_key_or_known_hosts_problem_is_one_line_naming_the_file_and_the_fix(
    sftp_server: SftpServer, tmp_path: Path, problem: str
) -> None:
    # GIVEN a server with reports, and a client whose key is passphrase-protected
    # (with the passphrase missing or wrong) or whose known_hosts file is missing
    deliver_day(sftp_server.root, "2024-09-03")
    client = Client(sftp_server, tmp_path / "district", tmp_path / "client")
    key = tmp_path / "protected_ed25519"
    asyncssh.read_private_key(str(sftp_server.keys.client.private)).write_private_key(
        str(key), passphrase="the right passphrase"
    )
    missing = tmp_path / "nowhere" / "known_hosts"
    env, expected = {
        "encrypted key, no passphrase": (
            {"HE_SFTP_KEY": str(key)},
            f"the private key {key} is encrypted: set HE_SFTP_KEY_PASSPHRASE",
        ),
        "wrong passphrase": (
            {"HE_SFTP_KEY": str(key), "HE_SFTP_KEY_PASSPHRASE": "a wrong guess"},
            "the passphrase in HE_SFTP_KEY_PASSPHRASE does not decrypt the private "
            f"key {key}",
        ),
        "no known_hosts": (
            {"HE_SFTP_KNOWN_HOSTS": str(missing)},
            f"HE_SFTP_KNOWN_HOSTS: the file {missing} does not exist; create it with "
            f"`ssh-keyscan -p {sftp_server.port} 127.0.0.1 > {missing}`",
        ),
    }[problem]
    # WHEN fetch runs
    result = client.fetch(**env)
    # THEN it stops before connecting, with the problem and its fix in the last
    # line of its output, and no traceback (nor the passphrase)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: ") and expected in last, result.stderr
    assert "Traceback" not in result.stderr
    assert "a wrong guess" not in result.stdout + result.stderr
    assert sftp_server.auth_attempts() == 0
    _nothing_fetched(client)


def test_a_misspelled_setting_in_the_config_file_is_named(tmp_path: Path) -> None:
    # GIVEN a config file with a typo in a key
    config = tmp_path / "fetch.toml"
    config.write_text('[sftp]\nhost = "example.org"\nkown_hosts = "/x"\n')
    # WHEN fetch reads it THEN it stops and names the unknown key
    result = run_cli("fetch", "--config", str(config), data_dir=tmp_path / "d")
    assert result.returncode != 0
    assert "unknown setting(s) in the config file's [sftp] table: kown_hosts" in (
        result.stderr
    )


@pytest.fixture
def silent_server() -> Iterator[tuple[int, list[socket.socket]]]:
    """Accepts TCP connections and never says a word."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1], accepted
    stop.set()
    thread.join(5)
    listener.close()
    for connection in accepted:
        connection.close()


def test_a_stalled_server_fails_within_the_configured_timeout(
    silent_server: tuple[int, list[socket.socket]], ssh_keys, tmp_path: Path
) -> None:
    # GIVEN a server that accepts the connection and then sends nothing
    port, accepted = silent_server
    env = {
        "HE_SFTP_HOST": "127.0.0.1",
        "HE_SFTP_PORT": str(port),
        "HE_SFTP_USER": "district",
        "HE_SFTP_KEY": str(ssh_keys.client.private),
        "HE_SFTP_CONNECT_TIMEOUT": "1",
        "HE_SFTP_TIMEOUT": "1",
        "HE_FETCH_RETRIES": "1",
        "HE_FETCH_RETRY_DELAY": "0.1",
        "HOME": str(tmp_path),
    }
    # WHEN fetch runs (the subprocess timeout only guards the test suite)
    result = run_cli("fetch", data_dir=tmp_path / "district", env=env, timeout=120)
    # THEN it gives up with a non-zero exit, naming the missing SSH greeting, after
    # exactly the configured number of attempts
    assert result.returncode != 0
    assert "the server sent no SSH greeting within 1 s" in result.stderr
    assert "gave up after 2 attempts" in result.stderr
    assert len(accepted) == 2
