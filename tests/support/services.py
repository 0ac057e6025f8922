"""Real Redis and PostgreSQL servers for integration tests.

Each server is a child process of the test run, bound to loopback (PostgreSQL also to a
unix socket), with its files in a temporary directory. The classes know nothing about
pytest; ``tests/support/fixtures.py`` wraps them in fixtures.

Needs the Debian packages ``redis-server`` and ``postgresql`` (the server binaries are
looked up in ``/usr/lib/postgresql/<version>/bin``). PostgreSQL refuses to run as root:
when the tests run as root, the cluster is created and run as the ``postgres`` system
user in a private directory under the system temp dir; otherwise it runs as the current
user inside ``workdir``.

Servers are stopped by their owner (fixture teardown) and, as a safety net, by an
``atexit`` hook for every server still running when the interpreter exits.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

from tests.support.lifecycle import StartedInWith

START_TIMEOUT_S = 30.0
INITDB_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 10.0
LOG_TAIL_LINES = 40
LOOPBACK = "127.0.0.1"

_POLL_INTERVAL_S = 0.05
_DB_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
# A unix socket path must fit in sun_path (108 bytes) including ".s.PGSQL.NNNNN".
_MAX_SOCKET_DIR_LEN = 80


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


# --- cleanup registry -----------------------------------------------------------------


class _Closeable(Protocol):
    def close(self) -> None: ...


_LIVE: set[_Closeable] = set()


@atexit.register
def _close_all() -> None:
    for server in list(_LIVE):
        with contextlib.suppress(Exception):
            server.close()


# --- shared helpers -------------------------------------------------------------------


def _log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return f"(no log at {path}: {exc})"
    tail = text.splitlines()[-lines:]
    return "\n".join(tail) if tail else f"(log {path} is empty)"


def _missing(what: str, package: str) -> RuntimeError:
    return RuntimeError(
        f"{what} not found. Install the Debian package {package!r} "
        f"(apt-get install -y {package}) to run the integration tests that need it."
    )


class _Child:
    """One server process in its own process group, with stdout/stderr sent to a log."""

    def __init__(self, name: str, stop_signal: signal.Signals) -> None:
        self.name = name
        self.stop_signal = stop_signal
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def spawn(
        self,
        argv: list[str],
        log_path: Path,
        cwd: Path,
        user: pwd.struct_passwd | None = None,
    ) -> None:
        with open(log_path, "ab") as log:  # the child keeps its own copy of the fd
            log.write(f"\n--- {time.strftime('%H:%M:%S')} starting: {' '.join(argv)}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=cwd,
                start_new_session=True,  # own process group: signals reach every child
                user=None if user is None else user.pw_uid,
                group=None if user is None else user.pw_gid,
                extra_groups=None if user is None else [],
            )

    def _signal_group(self, sig: signal.Signals) -> None:
        # Only while the leader is unreaped: then its pid is still our process group id.
        if self.proc is not None and self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """Ask politely, wait up to ``timeout`` seconds, then SIGKILL."""
        proc = self.proc
        if proc is None:
            return
        if proc.poll() is None:
            self._signal_group(self.stop_signal)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self.proc = None

    def kill(self) -> None:
        proc = self.proc
        if proc is None:
            return
        if proc.poll() is None:
            self._signal_group(signal.SIGKILL)
            proc.wait(STOP_TIMEOUT_S)
        self.proc = None

    def exit_code(self) -> int | None:
        return None if self.proc is None else self.proc.poll()


# --- Redis ----------------------------------------------------------------------------


def _resp(*parts: str) -> bytes:
    out = [f"*{len(parts)}\r\n".encode()]
    for part in parts:
        data = part.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


def _redis_pong(port: int, password: str | None, timeout: float = 1.0) -> bool:
    """True when the server on ``port`` answers PING (after AUTH) with PONG."""
    request = (_resp("AUTH", password) if password is not None else b"") + _resp("PING")
    replies = 2 if password is not None else 1
    data = b""
    try:
        with socket.create_connection((LOOPBACK, port), timeout=timeout) as sock:
            sock.sendall(request)
            while data.count(b"\r\n") < replies:
                chunk = sock.recv(4096)
                if not chunk:
                    return False
                data += chunk
    except OSError:
        return False
    return data.split(b"\r\n")[replies - 1] == b"+PONG"


class RedisServer(StartedInWith):
    """A throwaway ``redis-server`` on 127.0.0.1 with its data in ``workdir``.

    The port is chosen once and kept across restarts, so ``url`` stays valid. With
    ``appendonly`` the AOF is fsynced on every write (``appendfsync always``) so data
    survives even ``kill()``; without it nothing is persisted (no RDB snapshots either).
    """

    def __init__(
        self,
        workdir: Path,
        password: str | None = "test-secret",
        appendonly: bool = True,
        *,
        appendfsync: str = "always",
        executable: str | None = None,
    ) -> None:
        self.workdir = Path(workdir)
        self.password = password
        self.appendonly = appendonly
        self.appendfsync = appendfsync
        self.host = LOOPBACK
        self.port = free_port()
        self.log_path = self.workdir / "redis.log"
        self.startup_seconds: float | None = None
        self._executable = executable
        self._child = _Child("redis-server", signal.SIGTERM)
        self._ever_started = False

    @property
    def url(self) -> str:
        auth = f":{quote(self.password, safe='')}@" if self.password is not None else ""
        return f"redis://{auth}{self.host}:{self.port}/0"

    @property
    def running(self) -> bool:
        return self._child.running

    def _binary(self) -> str:
        if self._executable is not None:
            if not os.access(self._executable, os.X_OK):
                raise _missing(f"redis-server binary {self._executable!r}", "redis-server")
            return self._executable
        found = shutil.which("redis-server")
        if found is None:
            raise _missing("redis-server (not on PATH)", "redis-server")
        return found

    def _argv(self) -> list[str]:
        argv = [
            self._binary(),
            "--port", str(self.port),
            "--bind", self.host,
            "--protected-mode", "yes",
            "--daemonize", "no",
            "--supervised", "no",
            "--dir", str(self.workdir),
            "--logfile", "",  # stdout, which goes to self.log_path
            "--save", "",
            "--appendonly", "yes" if self.appendonly else "no",
            "--appendfsync", self.appendfsync,
        ]  # fmt: skip
        if self.password is not None:
            argv += ["--requirepass", self.password]
        return argv

    def start(self, timeout: float = START_TIMEOUT_S) -> None:
        """Start the server (no-op if running) and wait until PING answers."""
        if self.running:
            return
        argv = self._argv()
        self.workdir.mkdir(parents=True, exist_ok=True)
        began = time.monotonic()
        # Only the first start may move to another port (someone took ours meanwhile).
        attempts = 1 if self._ever_started else 3
        for attempt in range(attempts):
            self._child.spawn(argv, self.log_path, self.workdir)
            _LIVE.add(self)
            try:
                self._wait_ready(timeout)
            except RuntimeError:
                self._child.kill()
                if attempt < attempts - 1 and "already in use" in _log_tail(self.log_path, 5):
                    self.port = free_port()
                    argv = self._argv()
                    continue
                raise
            break
        self._ever_started = True
        self.startup_seconds = time.monotonic() - began

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            code = self._child.exit_code()
            if code is not None:
                raise RuntimeError(
                    f"redis-server exited with code {code} while starting on port "
                    f"{self.port}; log {self.log_path}:\n{_log_tail(self.log_path)}"
                )
            if _redis_pong(self.port, self.password):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"redis-server did not answer PING on {self.host}:{self.port} within "
                    f"{timeout:.0f}s; log {self.log_path}:\n{_log_tail(self.log_path)}"
                )
            time.sleep(_POLL_INTERVAL_S)

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """SIGTERM (Redis flushes the AOF and exits), SIGKILL after ``timeout`` seconds."""
        self._child.stop(timeout)

    def kill(self) -> None:
        """SIGKILL: simulates a crash."""
        self._child.kill()

    def restart(self, *, hard: bool = False) -> None:
        """Stop (or, with ``hard``, kill) and start again on the same port and data dir."""
        if hard:
            self.kill()
        else:
            self.stop()
        self.start()

    def close(self) -> None:
        """Stop the server and forget it in the atexit registry."""
        self.stop()
        _LIVE.discard(self)


# --- PostgreSQL -----------------------------------------------------------------------


def _version_key(path: Path) -> tuple[int, ...]:
    # /usr/lib/postgresql/15/bin -> (15,)
    return tuple(int(p) for p in re.findall(r"\d+", path.parent.name))


def find_postgres_bindir(explicit: Path | None = None) -> Path:
    """Directory holding ``initdb`` and ``postgres``; the newest Debian version wins."""

    def usable(d: Path) -> bool:
        return all(os.access(d / exe, os.X_OK) for exe in ("initdb", "postgres"))

    if explicit is not None:
        if not usable(Path(explicit)):
            raise _missing(f"initdb/postgres in {explicit}", "postgresql")
        return Path(explicit)
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version_key, reverse=True)
    on_path = shutil.which("postgres")
    if on_path is not None:
        candidates.append(Path(on_path).resolve().parent)
    for candidate in candidates:
        if usable(candidate):
            return candidate
    raise _missing("PostgreSQL server binaries (initdb, postgres)", "postgresql")


class PostgresServer(StartedInWith):
    """A throwaway PostgreSQL cluster: trust auth, UTF8, unix socket plus 127.0.0.1.

    ``url`` points at a database created on first start; ``create_database`` makes more,
    for tests that need isolation. Durability is traded for speed (``fsync=off``).
    """

    superuser = "postgres"

    def __init__(
        self,
        workdir: Path,
        *,
        database: str = "lexcrew_test",
        bindir: Path | None = None,
    ) -> None:
        if not _DB_NAME.match(database):
            raise ValueError(f"invalid database name {database!r}")
        self.workdir = Path(workdir)
        self.database = database
        self.host = LOOPBACK
        self.port = free_port()
        self.log_path = self.workdir / "postgres.log"
        self.startup_seconds: float | None = None
        self.initdb_seconds: float | None = None
        self._bindir = bindir
        self._run_as: pwd.struct_passwd | None = None
        self._root: Path | None = None
        self._socket_dir: Path | None = None
        self._private_dirs: list[Path] = []
        self._child = _Child("postgres", signal.SIGINT)  # SIGINT = fast shutdown

    # -- locations and URLs --

    @property
    def data_dir(self) -> Path:
        return self._layout()[0] / "data"

    @property
    def socket_dir(self) -> Path:
        return self._layout()[1]

    @property
    def running(self) -> bool:
        return self._child.running

    @property
    def url(self) -> str:
        """SQLAlchemy URL (psycopg 3, unix socket) of the database made by ``start``."""
        return self.url_for(self.database)

    def url_for(self, database: str) -> str:
        host = quote(str(self.socket_dir), safe="/")
        return f"postgresql+psycopg://{self.superuser}@/{database}?host={host}&port={self.port}"

    def tcp_url_for(self, database: str) -> str:
        return f"postgresql+psycopg://{self.superuser}@{self.host}:{self.port}/{database}"

    def conninfo(self, database: str = "postgres") -> str:
        """libpq connection string, for ``psycopg.connect``."""
        return f"host={self.socket_dir} port={self.port} user={self.superuser} dbname={database}"

    def _layout(self) -> tuple[Path, Path]:
        """(cluster root, socket dir), decided once."""
        if self._root is None or self._socket_dir is None:
            if os.geteuid() == 0:
                try:
                    self._run_as = pwd.getpwnam("postgres")
                except KeyError:
                    raise _missing(
                        "the 'postgres' system user (PostgreSQL refuses to run as root)",
                        "postgresql",
                    ) from None
                # pytest's temp dirs (and lexcrew's data dir, which the app makes the temp dir)
                # are 0700 root-only: use the system temp dir, which the postgres user reaches.
                root = Path(tempfile.mkdtemp(prefix="lexcrew-pg-", dir="/tmp"))
                os.chown(root, self._run_as.pw_uid, self._run_as.pw_gid)
                self._private_dirs.append(root)
            else:
                root = self.workdir / "pg"
                root.mkdir(parents=True, exist_ok=True)
            sock = root / "run"
            if len(str(sock)) > _MAX_SOCKET_DIR_LEN:
                sock = Path(tempfile.mkdtemp(prefix="lexcrew-pgsock-", dir="/tmp"))
                self._private_dirs.append(sock)
            sock.mkdir(exist_ok=True)
            if self._run_as is not None:
                os.chown(sock, self._run_as.pw_uid, self._run_as.pw_gid)
            self._root, self._socket_dir = root, sock
        return self._root, self._socket_dir

    # -- lifecycle --

    def start(self, timeout: float = START_TIMEOUT_S) -> None:
        """initdb (once), start the server, wait for it, create ``database`` if missing."""
        if self.running:
            return
        bindir = find_postgres_bindir(self._bindir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        root, sock = self._layout()
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb(bindir)
        began = time.monotonic()
        argv = [
            str(bindir / "postgres"),
            "-D", str(self.data_dir),
            "-p", str(self.port),
            "-k", str(sock),
            "-h", self.host,
            "-c", "fsync=off",
            "-c", "synchronous_commit=off",
            "-c", "full_page_writes=off",
            "-c", "max_connections=100",
        ]  # fmt: skip
        self._child.spawn(argv, self.log_path, root, self._run_as)
        _LIVE.add(self)
        try:
            self._wait_ready(timeout)
            self._create_database(self.database, exist_ok=True)
        except BaseException:
            self._child.kill()
            raise
        self.startup_seconds = time.monotonic() - began

    def _initdb(self, bindir: Path) -> None:
        began = time.monotonic()
        argv = [
            str(bindir / "initdb"),
            "-D", str(self.data_dir),
            "-U", self.superuser,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
            "--no-instructions",
        ]  # fmt: skip
        user = self._run_as
        try:
            result = subprocess.run(
                argv,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                cwd=self._layout()[0],
                timeout=INITDB_TIMEOUT_S,
                user=None if user is None else user.pw_uid,
                group=None if user is None else user.pw_gid,
                extra_groups=None if user is None else [],
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(f"initdb did not finish within {INITDB_TIMEOUT_S:.0f}s") from exc
        output = (result.stdout + result.stderr).decode(errors="replace")
        with open(self.log_path, "a", encoding="utf-8") as log:
            log.write(f"--- initdb (exit {result.returncode})\n{output}\n")
        if result.returncode != 0:
            tail = "\n".join(output.splitlines()[-LOG_TAIL_LINES:])
            raise RuntimeError(f"initdb failed with code {result.returncode}:\n{tail}")
        self.initdb_seconds = time.monotonic() - began

    def _wait_ready(self, timeout: float) -> None:
        import psycopg

        deadline = time.monotonic() + timeout
        last_error = ""
        while True:
            code = self._child.exit_code()
            if code is not None:
                raise RuntimeError(
                    f"postgres exited with code {code} while starting on port {self.port}; "
                    f"log {self.log_path}:\n{_log_tail(self.log_path)}"
                )
            try:
                with psycopg.connect(self.conninfo(), connect_timeout=2) as conn:
                    conn.execute("select 1")
                return
            except psycopg.OperationalError as exc:
                last_error = str(exc).strip()
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"postgres did not accept connections within {timeout:.0f}s "
                    f"(last error: {last_error}); log {self.log_path}:\n"
                    f"{_log_tail(self.log_path)}"
                )
            time.sleep(_POLL_INTERVAL_S)

    def create_database(self, name: str) -> str:
        """Create an empty database ``name`` and return its SQLAlchemy URL."""
        self._create_database(name, exist_ok=False)
        return self.url_for(name)

    def _create_database(self, name: str, *, exist_ok: bool) -> None:
        import psycopg
        from psycopg import sql

        if not _DB_NAME.match(name):
            raise ValueError(f"invalid database name {name!r} (letters, digits, _; max 63)")
        if not self.running:
            raise RuntimeError("PostgresServer is not running; call start() first")
        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            if exist_ok:
                found = conn.execute("select 1 from pg_database where datname = %s", (name,))
                if found.fetchone() is not None:
                    return
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """Fast shutdown (SIGINT), SIGKILL after ``timeout`` seconds. Data is kept."""
        self._child.stop(timeout)

    def kill(self) -> None:
        self._child.kill()

    def close(self) -> None:
        """Stop, remove private temp dirs (the cluster, when running as root), forget."""
        self.stop()
        for path in self._private_dirs:
            shutil.rmtree(path, ignore_errors=True)
        self._private_dirs.clear()
        self._root = self._socket_dir = None
        _LIVE.discard(self)
