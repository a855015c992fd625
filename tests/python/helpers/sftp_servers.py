"""Real SFTP servers on 127.0.0.1 for the fetch tests.

`SshdServer` runs OpenSSH's own sshd (internal-sftp) with a throwaway host key, one
authorized client key, its own sshd_config and a free port. `AsyncsshServer` runs an
asyncssh SFTP server in a thread of the test process: the stand-in where sshd is not
installed, and the server whose faults a test can script exactly (drop the
connection mid-file, append to a file while it is read, stall, list hostile names).
Both serve a folder of the test's tmp dir and count authentication attempts, so a
test can prove that a refused connection never got as far as authenticating.
"""

from __future__ import annotations

import asyncio
import base64
import getpass
import hashlib
import os
import re
import shutil
import socket
import stat
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh

SSHD = Path("/usr/sbin/sshd")


def sshd_available() -> bool:
    return SSHD.is_file() and os.access(SSHD, os.X_OK)


@dataclass(frozen=True)
class KeyPair:
    private: Path
    public_line: str  # "ssh-ed25519 AAAA..."

    @property
    def fingerprint(self) -> str:
        """OpenSSH's SHA256 fingerprint, computed from the public key blob."""
        blob = base64.b64decode(self.public_line.split()[1])
        digest = base64.b64encode(hashlib.sha256(blob).digest()).decode()
        return "SHA256:" + digest.rstrip("=")


def make_key(path: Path, passphrase: str | None = None) -> KeyPair:
    """A fresh ed25519 key in OpenSSH format, private file mode 0600."""
    key = asyncssh.generate_private_key("ssh-ed25519")
    key.write_private_key(str(path), passphrase=passphrase)
    os.chmod(path, 0o600)
    public = key.export_public_key().decode().split()
    line = f"{public[0]} {public[1]}"
    path.with_suffix(".pub").write_text(line + "\n")
    return KeyPair(path, line)


@dataclass(frozen=True)
class Keys:
    host: KeyPair
    other_host: KeyPair  # a different host key, for the "changed key" test
    client: KeyPair
    stranger: KeyPair  # a client key the server does not accept

    @classmethod
    def create(cls, folder: Path) -> Keys:
        folder.mkdir(parents=True, exist_ok=True)
        return cls(
            host=make_key(folder / "host_ed25519"),
            other_host=make_key(folder / "other_host_ed25519"),
            client=make_key(folder / "client_ed25519"),
            stranger=make_key(folder / "stranger_ed25519"),
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class SftpServer:
    """What a test needs to know about a running server."""

    kind: str
    keys: Keys
    root: Path  # the folder served, on this machine
    remote_root: str  # the same folder as the client must name it
    port: int = 0
    host: str = "127.0.0.1"
    user: str = field(default_factory=getpass.getuser)

    @property
    def known_hosts_line(self) -> str:
        return f"[{self.host}]:{self.port} {self.keys.host.public_line}"

    def pin(self, path: Path, key: KeyPair | None = None) -> Path:
        line = f"[{self.host}]:{self.port} {(key or self.keys.host).public_line}"
        path.write_text(line + "\n")
        return path

    def client_env(self, work: Path, **overrides: str) -> dict[str, str]:
        """HE_SFTP_* / HE_FETCH_* settings of a client that trusts this server."""
        known_hosts = self.pin(work / f"known_hosts_{self.kind}")
        env = {
            "HE_SFTP_HOST": self.host,
            "HE_SFTP_PORT": str(self.port),
            "HE_SFTP_USER": self.user,
            "HE_SFTP_KEY": str(self.keys.client.private),
            "HE_SFTP_ROOT": self.remote_root,
            "HE_SFTP_KNOWN_HOSTS": str(known_hosts),
            "HE_SFTP_CONNECT_TIMEOUT": "10",
            "HE_SFTP_TIMEOUT": "10",
            "HE_FETCH_SETTLE_SECONDS": "60",
            # Size and mtime alone decide what is new, unless a test turns the
            # recheck window on.
            "HE_FETCH_RECHECK_DAYS": "0",
            "HE_FETCH_RETRIES": "0",
            "HE_FETCH_RETRY_DELAY": "0.1",
            # An empty home: nothing in ~/.ssh to find even if it were looked for.
            "HOME": str(work),
        }
        env.update(overrides)
        return env

    def auth_attempts(self) -> int:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError


# OpenSSH's sftp-server program, where Debian (and Ubuntu), Fedora and Alpine put it.
SFTP_SERVER_PROGRAMS = (
    Path("/usr/lib/openssh/sftp-server"),
    Path("/usr/libexec/openssh/sftp-server"),
    Path("/usr/lib/ssh/sftp-server"),
)


def sftp_server_program() -> Path | None:
    return next((p for p in SFTP_SERVER_PROGRAMS if os.access(p, os.X_OK)), None)


class SshdServer(SftpServer):
    """OpenSSH's sshd serving `work/remote` with internal-sftp; or, with
    `sftp_log`, with the sftp-server program logging every file it opens and
    closes (with the bytes read) to `work/sftp-server.log`: internal-sftp logs
    only to syslog, which a test machine may not have."""

    def __init__(self, keys: Keys, work: Path, *, sftp_log: bool = False) -> None:
        root = work / "remote"
        root.mkdir(parents=True)
        # internal-sftp starts in the served folder, so the client leaves
        # HE_SFTP_ROOT at its default (the login folder), as with Clever.
        super().__init__("sshd", keys, root, "", port=free_port())
        self.log = work / "sshd.log"
        self.sftp_log = work / "sftp-server.log"
        sftp = f"internal-sftp -d {root}"
        if sftp_log:
            program = sftp_server_program()
            if program is None:
                raise RuntimeError("OpenSSH's sftp-server program is not installed")
            # ForceCommand runs through the user's shell, so 2>> applies.
            sftp = f"{program} -e -l INFO -d {root} 2>>{self.sftp_log}"
        authorized = work / "authorized_keys"
        authorized.write_text(keys.client.public_line + "\n")
        config = work / "sshd_config"
        config.write_text(
            "\n".join(
                [
                    f"ListenAddress {self.host}",
                    f"Port {self.port}",
                    f"HostKey {keys.host.private}",
                    "PidFile none",
                    f"AuthorizedKeysFile {authorized}",
                    "StrictModes no",
                    "PubkeyAuthentication yes",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "UsePAM no",
                    "PermitRootLogin prohibit-password",
                    f"AllowUsers {self.user}",
                    "AllowTcpForwarding no",
                    "AllowAgentForwarding no",
                    "X11Forwarding no",
                    "PermitTTY no",
                    "LogLevel DEBUG1",
                    f"ForceCommand {sftp}",
                    "Subsystem sftp internal-sftp",
                    "",
                ]
            )
        )
        if os.geteuid() == 0:
            # sshd started as root needs its privilege separation folder, which a
            # container without systemd does not create.
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        self.process = subprocess.Popen(
            [str(SSHD), "-D", "-f", str(config), "-E", str(self.log)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._wait_until_listening()

    def _wait_until_listening(self) -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"sshd exited:\n{self._log_text()}")
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as s:
                    if s.recv(64).startswith(b"SSH-2.0"):
                        return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"sshd did not start listening:\n{self._log_text()}")

    def _log_text(self) -> str:
        return self.log.read_text() if self.log.exists() else "(no log)"

    def auth_attempts(self) -> int:
        return self._log_text().count("userauth-request for user")

    def bytes_read(self, name: str) -> list[int]:
        """From sftp-server's log (`sftp_log`): the bytes read from the file named
        `name`, one number per time it was opened and closed."""
        text = self.sftp_log.read_text() if self.sftp_log.exists() else ""
        pattern = rf'close "[^"]*/{re.escape(name)}" bytes read ([0-9]+) written'
        return [int(count) for count in re.findall(pattern, text)]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class Faults:
    """What the asyncssh server does wrong, by file name; set by the test."""

    drop_connection: set[str] = field(default_factory=set)  # once, mid-file
    append: dict[str, bytes] = field(default_factory=dict)  # once, on first read
    stall: set[str] = field(default_factory=set)  # mid-file, until removed
    stall_offset: int = 64 * 1024  # where in the file the stall starts
    extra_names: dict[str, list[str]] = field(default_factory=dict)  # folder: names
    opened: list[str] = field(default_factory=list)  # names of files opened


# Where in a file the scripted faults strike: after the client has the first bytes.
FAULT_OFFSET = 64 * 1024


class AsyncsshServer(SftpServer):
    def __init__(self, keys: Keys, work: Path, password: str | None = None) -> None:
        root = work / "remote"
        root.mkdir(parents=True)
        super().__init__("asyncssh", keys, root, "/")
        self.password = password
        self.faults = Faults()
        self.auth_requests = 0
        self.connections: list[asyncssh.SSHServerConnection] = []
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.acceptor = asyncio.run_coroutine_threadsafe(
            self._listen(), self.loop
        ).result(15)
        self.port = self.acceptor.get_port()

    async def _listen(self) -> asyncssh.SSHAcceptor:
        owner = self

        class Server(asyncssh.SSHServer):
            def connection_made(self, connection: asyncssh.SSHServerConnection) -> None:
                owner.connections.append(connection)

            def begin_auth(self, username: str) -> bool:
                owner.auth_requests += 1
                return True

            def password_auth_supported(self) -> bool:
                return owner.password is not None

            def validate_password(self, username: str, password: str) -> bool:
                return username == owner.user and password == owner.password

        return await asyncssh.listen(
            self.host,
            0,
            server_factory=Server,
            server_host_keys=[str(self.keys.host.private)],
            authorized_client_keys=asyncssh.import_authorized_keys(
                self.keys.client.public_line + "\n"
            ),
            sftp_factory=lambda channel: _ScriptedSftp(channel, owner),
            allow_scp=False,
        )

    def auth_attempts(self) -> int:
        return self.auth_requests

    def stop(self) -> None:
        self.faults.stall.clear()

        async def close() -> None:
            self.acceptor.close()
            for connection in self.connections:
                connection.abort()
            await self.acceptor.wait_closed()
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in others:
                task.cancel()
            await asyncio.gather(*others, return_exceptions=True)

        try:
            asyncio.run_coroutine_threadsafe(close(), self.loop).result(10)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
            self.loop.close()


class _ScriptedSftp(asyncssh.SFTPServer):
    """asyncssh's local-folder SFTP server, chrooted to the served folder, doing
    what the test's Faults say."""

    def __init__(self, channel: asyncssh.SSHServerChannel, owner: AsyncsshServer):
        super().__init__(channel, chroot=str(owner.root).encode())
        self.owner = owner

    def open(self, path: bytes, pflags: int, attrs: asyncssh.SFTPAttrs) -> object:
        self.owner.faults.opened.append(os.path.basename(path.decode()))
        return super().open(path, pflags, attrs)

    async def read(self, file_obj: object, offset: int, size: int) -> bytes:
        local = os.fsdecode(file_obj.name)  # type: ignore[attr-defined]
        name = os.path.basename(local)
        faults = self.owner.faults
        if name in faults.append:
            with open(local, "ab") as grow:
                grow.write(faults.append.pop(name))
        if offset >= FAULT_OFFSET and name in faults.drop_connection:
            faults.drop_connection.discard(name)
            self.connection.abort()
            raise asyncssh.SFTPFailure("connection dropped by the test")
        while offset >= faults.stall_offset and name in faults.stall:
            await asyncio.sleep(0.05)
        return super().read(file_obj, offset, size)  # type: ignore[return-value]

    async def scandir(self, path: bytes):  # type: ignore[override]
        async for entry in super().scandir(path):
            yield entry
        folder = path.decode().strip("/")
        for name in self.owner.faults.extra_names.get(folder, []):
            yield asyncssh.SFTPName(
                name.encode(),
                attrs=asyncssh.SFTPAttrs(
                    permissions=stat.S_IFREG | 0o644, size=100, mtime=1_700_000_000
                ),
            )


def start_server(kind: str, keys: Keys, work: Path, **options: str) -> SftpServer:
    work.mkdir(parents=True, exist_ok=True)
    if kind == "sshd":
        return SshdServer(keys, work)
    return AsyncsshServer(keys, work, **options)


def copy_tree(source: Path, target: Path) -> None:
    shutil.copytree(source, target, dirs_exist_ok=True, symlinks=True)
