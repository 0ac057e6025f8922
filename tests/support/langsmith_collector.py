"""A local LangSmith collector: the ingestion endpoints the real SDK calls, on loopback.

`GET /info` (a complete answer: a partial one silently stops the SDK's sender thread),
`POST /runs/multipart` (the SDK's default), `POST /runs/batch`, `POST /runs` and
`PATCH /runs/{id}`. Runs are merged by id, so a test can read the tree the SDK sent.
`mode="hang"` accepts connections and never answers: the worst endpoint a product can meet.
"""

from __future__ import annotations

import json
import threading
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

INFO = {
    "version": "0.12.0",
    "license_expiration_time": None,
    "batch_ingest_config": {
        "use_multipart_endpoint": True,
        "scale_up_qsize_trigger": 1000,
        "scale_up_nthreads_limit": 4,
        "scale_down_nempty_trigger": 4,
        "size_limit": 100,
        "size_limit_bytes": 20_971_520,
    },
    "instance_flags": {},
}


class Collector:
    """Start with `with Collector() as c:`; `c.url` is the endpoint, `c.runs` what arrived."""

    def __init__(self, mode: Literal["ok", "hang"] = "ok") -> None:
        self.mode = mode
        self.runs: dict[str, dict[str, Any]] = {}
        self.requests: list[str] = []
        self.api_keys: set[str] = set()
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> Collector:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    def _merge(self, op: str, run: dict[str, Any]) -> None:
        with self._lock:
            known = self.runs.setdefault(str(run["id"]), {})
            known.update({k: v for k, v in run.items() if v is not None})
            known.setdefault("ops", []).append(op)

    def _take_multipart(self, content_type: str, body: bytes) -> None:
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body
        )
        parts: dict[str, dict[str, Any]] = {}
        for part in message.iter_parts():
            name = str(part.get_param("name", header="content-disposition") or "")
            payload = json.loads(part.get_payload(decode=True) or b"null")
            op, run_id, *field = name.split(".")
            entry = parts.setdefault(f"{op}.{run_id}", {"id": run_id})
            if field:
                entry[field[0]] = payload
            else:
                entry.update(payload)
        for key, run in parts.items():
            self._merge(key.split(".")[0], run)

    def _take(self, path: str, content_type: str, body: bytes) -> bool:
        """Store the runs of one POST; False for an endpoint the SDK does not use."""
        if path.endswith("/runs/multipart"):
            self._take_multipart(content_type, body)
        elif path.endswith("/runs/batch"):
            batch = json.loads(body)
            for op in ("post", "patch"):
                for run in batch.get(op) or []:
                    self._merge(op, run)
        elif path.endswith("/runs"):
            self._merge("post", json.loads(body))
        else:
            return False
        return True

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        return type("Handler", (_Handler,), {"collector": self})


class _Handler(BaseHTTPRequestHandler):
    collector: Collector

    def log_message(self, *_args: object) -> None:
        pass

    def _answer(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _start(self) -> bytes | None:
        """Read the request; None when the collector plays a hanging endpoint."""
        self.collector.requests.append(f"{self.command} {self.path}")
        self.collector.api_keys.add(self.headers.get("x-api-key", ""))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.collector.mode == "hang":
            self.collector._release.wait()
            return None
        return body

    def do_GET(self) -> None:
        if self._start() is None:
            return
        if self.path.rstrip("/").endswith("/info"):
            self._answer(200, INFO)
        else:
            self._answer(404, {"detail": "not found"})

    def do_POST(self) -> None:
        body = self._start()
        if body is None:
            return
        taken = self.collector._take(self.path.rstrip("/"), self.headers["Content-Type"], body)
        self._answer(202 if taken else 404, {} if taken else {"detail": "not found"})

    def do_PATCH(self) -> None:
        body = self._start()
        if body is None:
            return
        run = json.loads(body)
        run.setdefault("id", self.path.rstrip("/").rsplit("/", 1)[-1])
        self.collector._merge("patch", run)
        self._answer(202, {})
