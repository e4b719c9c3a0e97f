"""A local HTTP server on 127.0.0.1 for the tests: replays recorded real payloads, fails on cue, takes webhooks."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit


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


def fred_observations_answer(fred_dir: Path, until: str | None = None, fail_first: bool = False,
                             revised: dict[tuple[str, str], str] | None = None
                             ) -> Callable[[str, int], tuple[int, dict[str, str], bytes]]:
    """FRED's `series/observations` as fredapi receives it (XML, '.' for a missing value), served from a data
    directory's real fred/<SERIES_ID>.csv files; `until` hides later rows (an earlier evening); `fail_first`
    answers each series' first request with a 503 page from a proxy, as FRED's load balancer does; `revised`
    serves another value for some (series, date): a revision published since."""
    revised = revised or {}
    asked: set[str] = set()

    def answer(path: str, attempt: int) -> tuple[int, dict[str, str], bytes]:
        query = parse_qs(urlsplit(path).query)
        series_id = query["series_id"][0]
        if fail_first and series_id not in asked:
            asked.add(series_id)
            return 503, {"Content-Type": "text/html"}, b"<html><body><h1>503 Service Unavailable</h1></body></html>"
        source = fred_dir / f"{series_id}.csv"
        if not urlsplit(path).path.endswith("/series/observations") or not source.exists():
            return 400, {"Content-Type": "text/xml"}, (
                b'<?xml version="1.0" encoding="utf-8" ?>\n'
                b'<error code="400" message="Bad Request.  The series does not exist."/>')
        start = query.get("observation_start", ["0000-00-00"])[0]
        rows = [line.split(",") for line in source.read_text().splitlines()[1:]]
        kept = [(day, revised.get((series_id, day), value) or ".") for day, value in rows
                if day >= start and (until is None or day <= until)]
        body = "".join(f'<observation realtime_start="2026-01-02" realtime_end="2026-01-02" date="{day}" '
                       f'value="{value}"/>' for day, value in kept)
        return 200, {"Content-Type": "text/xml"}, (
            f'<?xml version="1.0" encoding="utf-8" ?><observations realtime_start="2026-01-02" '
            f'realtime_end="2026-01-02" observation_start="{start}" count="{len(kept)}" offset="0" '
            f'limit="100000">{body}</observations>').encode()

    return answer


def cboe_vix_history_answer(vix_file: Path, fail_first: bool = False, cut_at: int | None = None
                            ) -> Callable[[str, int], tuple[int, dict[str, str], bytes]]:
    """Cboe's VIX_History.csv as cdn.cboe.com serves it (`DATE,OPEN,HIGH,LOW,CLOSE`, dates MM/DD/YYYY), made from a
    data directory's real cboe/vix-daily.csv; `fail_first` answers the first request 503, `cut_at` ends the body
    after that many bytes (a connection dropped mid-transfer)."""
    header, *rows = vix_file.read_text().splitlines()
    body = "\n".join([header] + [f"{row[5:7]}/{row[8:10]}/{row[0:4]}{row[10:]}" for row in rows]).encode() + b"\n"

    def answer(path: str, attempt: int) -> tuple[int, dict[str, str], bytes]:
        if fail_first and attempt == 1:
            return 503, {"Content-Type": "text/html"}, b"<html><body>Service Unavailable</body></html>"
        if not path.endswith("/api/global/us_indices/daily_prices/VIX_History.csv"):
            return 404, {"Content-Type": "text/html"}, b"<html><body>Not Found</body></html>"
        return 200, {"Content-Type": "text/csv"}, body[:cut_at] if cut_at else body

    return answer


def sec_companyfacts_answer(sec_dir: Path) -> Callable[[str, int], tuple[int, dict[str, str], bytes]]:
    """data.sec.gov's `api/xbrl/companyfacts/CIK##########.json`, served from a data directory's real sec/*.json
    documents by their `cik`; any other CIK gets the SEC's 404."""
    documents = {int(json.loads(path.read_text())["cik"]): path.read_bytes() for path in sec_dir.glob("*.json")}

    def answer(path: str, attempt: int) -> tuple[int, dict[str, str], bytes]:
        name = urlsplit(path).path.rsplit("/", 1)[-1]
        cik = int(name[3:13]) if name.startswith("CIK") and name.endswith(".json") else None
        if cik not in documents:
            return 404, {"Content-Type": "application/xml"}, (
                b"<?xml version='1.0'?><Error><Code>NoSuchKey</Code></Error>")
        return 200, {}, documents[cik]

    return answer
