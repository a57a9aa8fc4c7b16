"""A real HTTP server on 127.0.0.1 that answers like the Messages API (through the emulator),
so the SDK is exercised over a socket via ANTHROPIC_BASE_URL, headers and all."""

import contextlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx2

from generation.emulator import Emulator

Adjust = Callable[[httpx2.Response], dict[str, str]]


@contextmanager
def loopback_api(
    emulator: Emulator, extra_headers: Adjust | None = None
) -> Iterator[tuple[str, list[dict]]]:
    seen: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            request = httpx2.Request(
                "POST", f"http://api{self.path}", headers=dict(self.headers), content=body
            )
            response = emulator.handle(request)
            headers = {
                **dict(response.headers),
                **(extra_headers(response) if extra_headers else {}),
            }
            lowered = {name.lower(): value for name, value in self.headers.items()}
            seen.append({"path": self.path, "headers": lowered, "status": response.status_code})
            content = response.read()
            self.send_response(response.status_code)
            for name, value in headers.items():
                if name.lower() not in {"content-length", "transfer-encoding", "content-encoding"}:
                    self.send_header(name, value)
            self.send_header("content-length", str(len(content)))
            self.end_headers()
            # The caller's process may have been killed mid-call (the drills do that).
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(content)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
