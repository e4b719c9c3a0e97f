"""A local HTTP server on 127.0.0.1 for the tests: replays recorded real payloads, fails on cue, takes webhooks."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Replica:
    """`answer(path_with_query, attempt)` returns (status, headers, body) for every GET; POST bodies are kept."""

    answer: Callable[[str, int], tuple[int, dict[str, str], bytes]]
    requests: list[str] = field(default_factory=list)
    posted: list[dict] = field(default_factory=list)
    url: str = ""


def serve(replica: Replica):
    """Start the server in a thread; returns (replica with its base url, a function that stops it)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server interface
            replica.requests.append(self.path)
            status, headers, body = replica.answer(self.path, len(replica.requests))
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            replica.posted.append(json.loads(self.rfile.read(length) or b"{}"))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):  # keep the test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    replica.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop():
        server.shutdown()
        server.server_close()

    return replica, stop
