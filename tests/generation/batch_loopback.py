"""A real HTTP server on 127.0.0.1 in front of the emulator's Message Batches endpoints, which
can lose what a process killed mid-call would lose: the answer to a create call (the batch
is made, the connection dropped), the create call itself (dropped before it arrives), or the
second half of a results stream."""

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx2

from generation.emulator import Emulator


@dataclass
class Losses:
    """How many of each loss are still to come."""

    create_answers: int = 0  # the batch is made, its answer never sent
    creates: int = 0  # the create call is dropped before it reaches the API
    results_halves: int = 0  # a results stream stops halfway through its lines
    seen: list[str] = field(default_factory=list)


@contextmanager
def batch_api(emulator: Emulator, losses: Losses) -> Iterator[str]:
    lock = threading.Lock()

    def take(kind: str) -> bool:
        with lock:
            left = getattr(losses, kind)
            if left:
                setattr(losses, kind, left - 1)
            return bool(left)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._answer("GET")

        def do_POST(self) -> None:
            self._answer("POST")

        def _answer(self, method: str) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            losses.seen.append(f"{method} {self.path}")
            creating = method == "POST" and self.path.rstrip("/") == "/v1/messages/batches"
            if creating and take("creates"):
                return self._drop()
            host = self.headers.get("host", "127.0.0.1")
            request = httpx2.Request(
                method, f"http://{host}{self.path}", headers=dict(self.headers), content=body
            )
            response = emulator.handle(request)
            content = response.read()
            if creating and take("create_answers"):
                return self._drop()
            cut = self.path.endswith("/results") and response.status_code == 200
            if cut and take("results_halves"):
                lines = content.splitlines(keepends=True)
                return self._send(response, content, b"".join(lines[: len(lines) // 2]))
            self._send(response, content, content)

        def _send(self, response: httpx2.Response, whole: bytes, sent: bytes) -> None:
            self.send_response(response.status_code)
            for name, value in response.headers.items():
                if name.lower() not in {"content-length", "transfer-encoding", "content-encoding"}:
                    self.send_header(name, value)
            self.send_header("content-length", str(len(whole)))
            self.end_headers()
            self.wfile.write(sent)
            self.wfile.flush()
            if len(sent) < len(whole):
                self._drop()

        def _drop(self) -> None:
            """Close the connection without (the rest of) an answer."""
            self.close_connection = True
            with suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
