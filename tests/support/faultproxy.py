"""A fault-injecting HTTP/1.1 reverse proxy for model-gateway integration tests.

Tests put ``FaultProxy`` between the gateway and a real OpenAI-compatible server
(llama.cpp on loopback), queue faults (error statuses with ``Retry-After``, delays,
dropped connections) and read its request log to prove which requests arrived::

    with FaultProxy("http://127.0.0.1:8080") as proxy:
        proxy.push(Fault.status(429, retry_after=1.0, times=2))
        ...  # point the gateway at proxy.url
        assert [r.fault for r in proxy.requests] == ["status:429", "status:429", None]

Queued faults apply to the next requests in order; once the queue is empty every
request gets the default mode ("forward" unless ``set_default`` says otherwise).
Upstream bodies are read in full and relayed with a Content-Length (no streaming).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import math
import socket
import socketserver
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from email.message import Message
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import BinaryIO, Literal, TypeAlias, cast
from urllib.parse import urlsplit

from tests.support.lifecycle import StartedInWith

LOOPBACK = "127.0.0.1"
SHUTDOWN_JOIN_S = 5.0
IDLE_CONNECTION_S = 60.0
_POLL_INTERVAL_S = 0.05
_MAX_LINE = 65_537

# RFC 9110 §7.6.1: meaningful for one connection only, never relayed. Host and
# Content-Length are rewritten; Expect was already answered by this proxy.
_HOP_BY_HOP = frozenset(
    "connection keep-alive proxy-authenticate proxy-authorization proxy-connection"
    " te trailer trailers transfer-encoding upgrade".split()
)
_NOT_FORWARDED = _HOP_BY_HOP | {"host", "content-length", "expect"}

_log = logging.getLogger(__name__)

FaultKind = Literal["status", "delay", "drop"]


@dataclass(frozen=True, slots=True)
class Fault:
    """One injected misbehaviour, applied to ``times`` consecutive requests."""

    kind: FaultKind
    times: int = 1
    code: int | None = None
    retry_after: float | None = None
    seconds: float = 0.0

    def __post_init__(self) -> None:
        if self.times < 1:
            raise ValueError(f"times must be at least 1, got {self.times}")
        if self.kind == "status" and (self.code is None or not 200 <= self.code <= 599):
            raise ValueError(f"a status fault needs a code in 200..599, got {self.code}")
        if self.seconds < 0 or (self.retry_after is not None and self.retry_after < 0):
            raise ValueError("seconds and retry_after must not be negative")

    @classmethod
    def status(cls, code: int, *, retry_after: float | None = None, times: int = 1) -> Fault:
        """Answer ``code`` with a JSON error body (and ``Retry-After`` when given)."""
        return cls("status", times=times, code=code, retry_after=retry_after)

    @classmethod
    def delay(cls, seconds: float, *, times: int = 1) -> Fault:
        """Wait ``seconds`` before forwarding (or until the proxy shuts down)."""
        return cls("delay", times=times, seconds=seconds)

    @classmethod
    def drop(cls, *, times: int = 1) -> Fault:
        """Read the request, then close the connection without any response."""
        return cls("drop", times=times)

    @property
    def label(self) -> str:
        """Name this fault in the request log: ``status:429``, ``delay`` or ``drop``."""
        return f"status:{self.code}" if self.kind == "status" else self.kind


Mode: TypeAlias = Literal["forward", "drop"] | Fault


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    """A request as it reached the proxy, with the fault applied and the status sent."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    fault: str | None
    status: int | None


@dataclass(slots=True)
class _Entry:
    request: LoggedRequest
    status: int | None = None


@dataclass(slots=True)
class _Queued:
    fault: Fault
    remaining: int


@dataclass(frozen=True, slots=True)
class _Upstream:
    """Where requests go: an address and a base path prefixed to every target."""

    host: str
    port: int
    netloc: str
    base_path: str
    timeout: float

    @classmethod
    def parse(cls, url: str, timeout: float) -> _Upstream:
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"upstream must be an http:// base URL, got {url!r}")
        return cls(
            host=parts.hostname,
            port=parts.port or 80,
            netloc=parts.netloc,
            base_path=parts.path.rstrip("/"),
            timeout=timeout,
        )

    def fetch(
        self, method: str, target: str, headers: Message, body: bytes
    ) -> tuple[http.client.HTTPResponse, bytes]:
        """Send one request on a fresh connection and read the whole response."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request(
                method,
                self.base_path + target,
                body=body or None,
                headers=_forwarded_headers(headers, self.netloc, body),
            )
            response = conn.getresponse()
            return response, response.read()
        finally:
            conn.close()


def _connection_tokens(value: str | None) -> set[str]:
    return {token.strip().lower() for token in (value or "").split(",") if token.strip()}


def _forwarded_headers(headers: Message, netloc: str, body: bytes) -> dict[str, str]:
    skip = _NOT_FORWARDED | _connection_tokens(headers.get("Connection"))
    out: dict[str, str] = {}
    for name, value in headers.items():
        if name.lower() not in skip:
            out[name] = f"{out[name]}, {value}" if name in out else value
    out["Host"] = netloc
    if body:
        out["Content-Length"] = str(len(body))
    return out


def _header_dict(headers: Message) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in headers.items():
        key = name.lower()
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out


def _read_chunked(rfile: BinaryIO) -> bytes:
    chunks: list[bytes] = []
    while True:
        size = int(rfile.readline(_MAX_LINE).split(b";", 1)[0].strip(), 16)
        if size == 0:
            break
        chunks.append(rfile.read(size))
        rfile.readline(_MAX_LINE)  # the CRLF that ends each chunk
    while rfile.readline(_MAX_LINE) not in (b"\r\n", b"\n", b""):
        pass  # trailer fields: nothing to keep
    return b"".join(chunks)


def _read_body(headers: Message, rfile: BinaryIO) -> bytes:
    """Read a request body framed by chunked encoding or Content-Length; ValueError if bad."""
    if "chunked" in _connection_tokens(headers.get("Transfer-Encoding")):
        return _read_chunked(rfile)
    length = int(headers.get("Content-Length") or 0)
    if length < 0:
        raise ValueError(f"negative Content-Length {length}")
    return rfile.read(length) if length else b""


class _State:
    """What the proxy and its handler threads share, behind one lock."""

    def __init__(self, upstream: _Upstream | None) -> None:
        self.upstream = upstream
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._queue: deque[_Queued] = deque()
        self._default: Mode = "forward"
        self._log: list[_Entry] = []
        self._connections: set[socket.socket] = set()

    def push(self, fault: Fault) -> None:
        with self._lock:
            self._queue.append(_Queued(fault, fault.times))

    def set_default(self, mode: Mode) -> None:
        if not isinstance(mode, Fault) and mode not in ("forward", "drop"):
            raise ValueError(f"mode must be 'forward', 'drop' or a Fault, got {mode!r}")
        with self._lock:
            self._default = mode

    def take_fault(self) -> Fault | None:
        """Return the fault for the next request, or None to forward it."""
        with self._lock:
            if self._queue:
                head = self._queue[0]
                head.remaining -= 1
                if head.remaining == 0:
                    self._queue.popleft()
                return head.fault
            mode = self._default
        if isinstance(mode, Fault):
            return mode
        return None if mode == "forward" else Fault.drop()

    def record(self, request: LoggedRequest) -> _Entry:
        entry = _Entry(request)
        with self._lock:
            self._log.append(entry)
        return entry

    def settle(self, entry: _Entry, status: int) -> None:
        with self._lock:
            entry.status = status

    def requests(self) -> list[LoggedRequest]:
        with self._lock:
            entries = list(self._log)
        return [replace(entry.request, status=entry.status) for entry in entries]

    def clear(self) -> None:
        with self._lock:
            self._log = []

    def track(self, conn: socket.socket) -> None:
        with self._lock:
            self._connections.add(conn)

    def untrack(self, conn: socket.socket) -> None:
        with self._lock:
            self._connections.discard(conn)

    def disconnect_all(self) -> None:
        """Wake handler threads blocked on idle keep-alive connections."""
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], state: _State) -> None:
        self.state = state
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves an FQDN, which can stall on hosts without DNS.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def handle_error(self, request: object, client_address: object) -> None:
        _log.warning("faultproxy.handler_failed client=%s", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_CONNECTION_S
    disable_nagle_algorithm = True  # headers and body go out in two writes

    @property
    def _state(self) -> _State:
        return cast(_Server, self.server).state

    def setup(self) -> None:
        super().setup()
        self._state.track(self.connection)

    def finish(self) -> None:
        self._state.untrack(self.connection)
        super().finish()

    def __getattr__(self, name: str) -> Callable[[], None]:
        # BaseHTTPRequestHandler dispatches to do_<METHOD>; every method is proxied alike.
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    def log_message(self, format: str, *args: object) -> None:
        _log.debug("faultproxy.http " + format, *args)

    def _dispatch(self) -> None:
        self._entry: _Entry | None = None
        try:
            body = _read_body(self.headers, cast(BinaryIO, self.rfile))
        except ValueError:
            self.close_connection = True
            self._send_error(HTTPStatus.BAD_REQUEST, "malformed request body framing")
            return
        fault = self._state.take_fault()
        request = LoggedRequest(
            self.command,
            self.path,
            _header_dict(self.headers),
            body,
            None if fault is None else fault.label,
            None,
        )
        self._entry = self._state.record(request)
        self._answer(fault, body)

    def _answer(self, fault: Fault | None, body: bytes) -> None:
        if fault is None:
            self._forward(body)
        elif fault.kind == "drop":
            self.close_connection = True
        elif fault.kind == "status":
            message = f"fault injected by FaultProxy: {fault.label}"
            self._send_error(cast(int, fault.code), message, fault.retry_after)
        elif self._state.stopping.wait(fault.seconds):
            self.close_connection = True  # shutting down: give up on this request
        else:
            self._forward(body)

    def _forward(self, body: bytes) -> None:
        upstream = self._state.upstream
        if upstream is None:
            self._send_error(HTTPStatus.BAD_GATEWAY, "no upstream configured")
            return
        try:
            response, payload = upstream.fetch(self.command, self.path, self.headers, body)
        except TimeoutError:
            self._send_error(HTTPStatus.GATEWAY_TIMEOUT, "upstream timed out")
            return
        except (OSError, http.client.HTTPException) as exc:
            self._send_error(HTTPStatus.BAD_GATEWAY, f"upstream failed: {exc!r}")
            return
        skip = _HOP_BY_HOP | _connection_tokens(response.getheader("Connection"))
        if self.command != "HEAD":  # for HEAD it describes the body a GET would get
            skip |= {"content-length"}
        headers = [(k, v) for k, v in response.getheaders() if k.lower() not in skip]
        self._send(response.status, response.reason, headers, payload)

    def _send_error(self, code: int, message: str, retry_after: float | None = None) -> None:
        headers = [("Content-Type", "application/json")]
        if retry_after is not None:
            # Retry-After carries whole seconds (RFC 9110 §10.2.3): round up, never early.
            headers.append(("Retry-After", str(math.ceil(retry_after))))
        error = {"message": message, "type": "fault_proxy", "code": code}
        self._send(code, None, headers, json.dumps({"error": error}).encode())

    def _send(
        self, status: int, reason: str | None, headers: list[tuple[str, str]], body: bytes
    ) -> None:
        has_body = status >= 200 and status not in (204, 304)
        if self._entry is not None:  # before the client can read the response and look
            self._state.settle(self._entry, status)
        try:
            self.send_response_only(status, reason)
            for name, value in headers:
                self.send_header(name, value)
            if has_body and self.command != "HEAD":
                self.send_header("Content-Length", str(len(body)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if has_body and self.command != "HEAD" and body:
                self.wfile.write(body)
            self.wfile.flush()
        except OSError:
            self.close_connection = True  # the client went away (e.g. its read timed out)


class FaultProxy(StartedInWith):
    """A threaded reverse proxy on loopback that injects queued faults and logs requests."""

    def __init__(
        self, upstream: str | None, *, port: int = 0, upstream_timeout: float = 300.0
    ) -> None:
        target = None if upstream is None else _Upstream.parse(upstream, upstream_timeout)
        self._state = _State(target)
        self._port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Bind the listening socket and serve on a daemon thread."""
        if self._server is not None or self._state.stopping.is_set():
            raise RuntimeError("a FaultProxy starts once; make a new one")
        self._server = _Server((LOOPBACK, self._port), self._state)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": _POLL_INTERVAL_S},
            name=f"faultproxy:{self._server.server_port}",
            daemon=True,
        )
        self._thread.start()

    def close(self) -> None:
        """Stop serving, wake delayed handlers and close every socket."""
        server, thread = self._server, self._thread
        closed_before = self._state.stopping.is_set()
        self._state.stopping.set()
        if closed_before or server is None or thread is None:
            return
        server.shutdown()
        server.server_close()
        self._state.disconnect_all()
        thread.join(SHUTDOWN_JOIN_S)

    @property
    def url(self) -> str:
        """Return the base URL clients should call, e.g. ``http://127.0.0.1:PORT``."""
        if self._server is None:
            raise RuntimeError("FaultProxy is not started")
        return f"http://{LOOPBACK}:{self._server.server_port}"

    def push(self, fault: Fault) -> None:
        """Queue ``fault`` for the next ``fault.times`` requests, after those queued."""
        self._state.push(fault)

    def set_default(self, mode: Mode) -> None:
        """Set what requests get once the queue is empty: forward, drop, or a Fault."""
        self._state.set_default(mode)

    @property
    def requests(self) -> list[LoggedRequest]:
        """Return a copy of the request log in arrival order."""
        return self._state.requests()

    def clear(self) -> None:
        """Forget every logged request (queued faults and the default mode stay)."""
        self._state.clear()

    def count(self, path_prefix: str = "") -> int:
        """Count logged requests whose path (with query) starts with ``path_prefix``."""
        return sum(r.path.startswith(path_prefix) for r in self._state.requests())
