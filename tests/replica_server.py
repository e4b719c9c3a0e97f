"""A local HTTP server on 127.0.0.1 for the tests: replays recorded real payloads, fails on cue, takes webhooks."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, timedelta
from functools import cache
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


def fred_observations_answer(
    fred_dir: Path,
    until: str | None = None,
    fail_first: bool = False,
    first_prints: dict[tuple[str, str], tuple[str, str]] | None = None,
    revised_on: str | None = None,
) -> Callable[[str, int], tuple[int, dict[str, str], bytes]]:
    """FRED's `series/observations` as fredapi receives it (XML, '.' for a missing value), served from a data
    directory's real fred/<SERIES_ID>.csv files; `until` hides later rows (an earlier evening); `fail_first`
    answers each series' first request with a 503 page from a proxy, as FRED's load balancer does.

    Vintages (ALFRED: a request with realtime_start and realtime_end, fredapi's all-releases call): each file value
    is one vintage, starting (the replica's convention, the warehouse's own for data without vintages) on the series'
    next date with a value for a daily series (the next business day; the day after for the newest value) and the
    15th of the next month for a monthly one. `first_prints` {(series, date):
    (realtime_start, value)} gives some values an earlier vintage (made up by a test): FRED's answer until
    `revised_on`, when the file's value, its revision, starts."""
    first_prints = first_prints or {}

    @cache
    def daily(series_id: str) -> bool:
        days = [line[:10] for line in (fred_dir / f"{series_id}.csv").read_text().splitlines()[1:]]
        span = date.fromisoformat(days[-1]) - date.fromisoformat(days[0])
        return len(days) > span.days / 28 * 1.5  # far more rows than months

    @cache
    def days_with_values(series_id: str) -> list[str]:
        return [
            line[:10]
            for line in (fred_dir / f"{series_id}.csv").read_text().splitlines()[1:]
            if line[11:].strip() not in ("", ".")
        ]

    def published(series_id: str, day: str) -> str:
        observed = date.fromisoformat(day)
        if daily(series_id):  # the next business day FRED has a value for (the Fed and ICE publish then)
            later = [other for other in days_with_values(series_id) if other > day]
            return later[0] if later else (observed + timedelta(days=1)).isoformat()
        next_month = date(observed.year + observed.month // 12, observed.month % 12 + 1, 15)
        return next_month.isoformat()

    def vintages(series_id: str, day: str, value: str) -> list[tuple[str, str | None, str]]:
        if (series_id, day) not in first_prints:
            return [(published(series_id, day), None, value)]
        start, printed = first_prints[(series_id, day)]
        if revised_on is None:
            return [(start, None, printed)]
        return [
            (start, (date.fromisoformat(revised_on) - timedelta(days=1)).isoformat(), printed),
            (revised_on, None, value),
        ]

    asked: set[str] = set()

    def answer(path: str, attempt: int) -> tuple[int, dict[str, str], bytes]:
        query = parse_qs(urlsplit(path).query)
        series_id = query["series_id"][0]
        if fail_first and series_id not in asked:
            asked.add(series_id)
            return 503, {"Content-Type": "text/html"}, b"<html><body><h1>503 Service Unavailable</h1></body></html>"
        source = fred_dir / f"{series_id}.csv"
        if not urlsplit(path).path.endswith("/series/observations") or not source.exists():
            return (
                400,
                {"Content-Type": "text/xml"},
                (
                    b'<?xml version="1.0" encoding="utf-8" ?>\n'
                    b'<error code="400" message="Bad Request.  The series does not exist."/>'
                ),
            )
        start = query.get("observation_start", ["0000-00-00"])[0]
        rows = [line.split(",") for line in source.read_text().splitlines()[1:]]
        rows = [(day, value or ".") for day, value in rows if day >= start and (until is None or day <= until)]
        if "realtime_start" in query:  # every vintage current on or after realtime_start
            asked_from = query["realtime_start"][0]
            served = [
                (begin, end, day, value)
                for day, file_value in rows
                for begin, end, value in vintages(series_id, day, file_value)
                if end is None or end >= asked_from
            ]
        else:  # today's values
            served = [
                (begin, end, day, value)
                for day, file_value in rows
                for begin, end, value in vintages(series_id, day, file_value)[-1:]
            ]
        body = "".join(
            f'<observation realtime_start="{begin}" realtime_end="{end or "9999-12-31"}" date="{day}" value="{value}"/>'
            for begin, end, day, value in served
        )
        return (
            200,
            {"Content-Type": "text/xml"},
            (
                f'<?xml version="1.0" encoding="utf-8" ?><observations realtime_start="2026-01-02" '
                f'realtime_end="2026-01-02" observation_start="{start}" count="{len(served)}" offset="0" '
                f'limit="100000">{body}</observations>'
            ).encode(),
        )

    return answer


def cboe_vix_history_answer(
    vix_file: Path, fail_first: bool = False, cut_at: int | None = None, until: str | None = None
) -> Callable[[str, int], tuple[int, dict[str, str], bytes]]:
    """Cboe's VIX_History.csv as cdn.cboe.com serves it (`DATE,OPEN,HIGH,LOW,CLOSE`, dates MM/DD/YYYY), made from a
    data directory's real cboe/vix-daily.csv; `fail_first` answers the first request 503, `cut_at` ends the body
    after that many bytes (a connection dropped mid-transfer), `until` hides later sessions (an earlier evening)."""
    header, *rows = vix_file.read_text().splitlines()
    rows = [row for row in rows if until is None or row[:10] <= until]
    body = "\n".join([header] + [f"{row[5:7]}/{row[8:10]}/{row[0:4]}{row[10:]}" for row in rows]).encode() + b"\n"

    def answer(path: str, attempt: int) -> tuple[int, dict[str, str], bytes]:
        if fail_first and attempt == 1:
            return 503, {"Content-Type": "text/html"}, b"<html><body>Service Unavailable</body></html>"
        if not path.endswith("/api/global/us_indices/daily_prices/VIX_History.csv"):
            return 404, {"Content-Type": "text/html"}, b"<html><body>Not Found</body></html>"
        return 200, {"Content-Type": "text/csv"}, body[:cut_at] if cut_at else body

    return answer


def sec_companyfacts_answer(
    sec_dir: Path, fail_first: bool = False
) -> Callable[[str, int], tuple[int, dict[str, str], bytes]]:
    """data.sec.gov's `api/xbrl/companyfacts/CIK##########.json`, served from a data directory's real sec/*.json
    documents by their `cik`; any other CIK gets the SEC's 404. `fail_first` answers the first request 503 (as the
    SEC's edge does under load)."""
    documents = {int(json.loads(path.read_text())["cik"]): path.read_bytes() for path in sec_dir.glob("*.json")}

    def answer(path: str, attempt: int) -> tuple[int, dict[str, str], bytes]:
        if fail_first and attempt == 1:
            return 503, {"Content-Type": "text/html"}, b"<html><body>Service Unavailable</body></html>"
        name = urlsplit(path).path.rsplit("/", 1)[-1]
        cik = int(name[3:13]) if name.startswith("CIK") and name.endswith(".json") else None
        if cik not in documents:
            return (
                404,
                {"Content-Type": "application/xml"},
                (b"<?xml version='1.0'?><Error><Code>NoSuchKey</Code></Error>"),
            )
        return 200, {}, documents[cik]

    return answer


def truncated(
    answer: Callable[[str, int], tuple[int, dict[str, str], bytes]], paths_containing: str = ""
) -> Callable[[str, int], tuple[int, dict[str, str], bytes]]:
    """The same service, whose answers to paths containing `paths_containing` end halfway through the body (with a
    Content-Length that matches: a proxy that cut the response, not a dropped connection)."""

    def answer_cut(path: str, attempt: int) -> tuple[int, dict[str, str], bytes]:
        status, headers, body = answer(path, attempt)
        return (
            (status, headers, body[: len(body) // 2])
            if status == 200 and paths_containing in path
            else (status, headers, body)
        )

    return answer_cut


def _session_stamp(day: str) -> int:
    """A daily bar's timestamp as Yahoo gives it: its session's opening, 09:30 in New York, in Unix seconds."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return int(datetime.fromisoformat(f"{day}T09:30").replace(tzinfo=ZoneInfo("America/New_York")).timestamp())


def yahoo_chart_answer(
    prices_dir: Path, until: str | None = None, fail_first: bool = False, split: tuple[str, str, int] | None = None
) -> Callable[[str, int], tuple[int, dict[str, str], bytes]]:
    """Yahoo's `v8/finance/chart/<symbol>` (interval 1d) as its chart API answers, from a data directory's real
    prices/<SYMBOL>.csv files (already adjusted: served as quotes whose adjclose equals the close, i.e. a window
    without dividends). `until` hides later sessions (an earlier evening); `fail_first` answers each symbol's first
    request 503. `split=(symbol, day, ratio)` makes up a split for the
    test: before `day` is served, the symbol's history is on the pre-split basis (prices x ratio, volume / ratio);
    from then on as the file has it, with the split among the events."""
    from datetime import datetime
    from urllib.parse import unquote

    from orchestration.ingest.sources.data_dir import symbol_for_price_file

    files = {symbol_for_price_file(path): path for path in sorted(prices_dir.glob("*.csv"))}
    asked: set[str] = set()

    def answer(path: str, attempt: int) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(path)
        symbol = unquote(parts.path.rsplit("/", 1)[-1])
        if fail_first and symbol not in asked:
            asked.add(symbol)
            return 503, {"Content-Type": "text/html"}, b"<html><body>Service Unavailable</body></html>"
        if not parts.path.startswith("/v8/finance/chart/") or symbol not in files:
            return (
                404,
                {},
                json.dumps(
                    {
                        "chart": {
                            "result": None,
                            "error": {"code": "Not Found", "description": "No data found, symbol may be delisted"},
                        }
                    }
                ).encode(),
            )
        query = parse_qs(parts.query)
        first, end = (
            datetime.fromtimestamp(int(query[name][0]), UTC).date().isoformat() for name in ("period1", "period2")
        )
        rows = [line.split(",") for line in files[symbol].read_text().splitlines()[1:]]
        rows = [row for row in rows if first <= row[0] < end and (until is None or row[0] <= until)]
        last = rows[-1][0] if rows else ""
        ratio, events = 1.0, {}
        if split and split[0] == symbol:
            if last < split[1]:
                ratio = float(split[2])
            elif split[1] >= first:
                stamp = _session_stamp(split[1])
                events["splits"] = {
                    str(stamp): {
                        "date": stamp,
                        "numerator": float(split[2]),
                        "denominator": 1.0,
                        "splitRatio": f"{split[2]}:1",
                    }
                }
        prices = {
            name: [float(row[column]) * ratio for row in rows]
            for column, name in enumerate(("open", "high", "low", "close"), start=1)
        }
        body = json.dumps(
            {
                "chart": {
                    "result": [
                        {
                            "meta": {
                                "currency": "USD",
                                "symbol": symbol,
                                "exchangeTimezoneName": "America/New_York",
                                "timezone": "EST",
                                "dataGranularity": "1d",
                            },
                            "timestamp": [_session_stamp(row[0]) for row in rows],
                            **({"events": events} if events else {}),
                            "indicators": {
                                "quote": [{**prices, "volume": [float(row[5]) / ratio for row in rows]}],
                                "adjclose": [{"adjclose": prices["close"]}],
                            },
                        }
                    ],
                    "error": None,
                }
            }
        ).encode()
        return 200, {}, body

    return answer


def fiscal_data_auctions_answer(
    treasury_dir: Path, fail_first: bool = False
) -> Callable[[str, int], tuple[int, dict[str, str], bytes]]:
    """Fiscal Data's `v1/accounting/od/auctions_query`, filtered on auction_date, sorted and paged as the API does,
    from a data directory's real treasury/*.json: its Fiscal Data records as they are, its TreasuryDirect records
    under Fiscal Data's field names (missing written "null", dates without their time), each auction once.
    `fail_first` answers the first request 503."""
    from orchestration.ingest.sources.parse_treasury import FIELD_NAMES

    records: dict[tuple[str, str], dict] = {}
    for path in sorted(treasury_dir.glob("*.json")):
        payload = json.loads(path.read_text())
        for record in payload["data"] if isinstance(payload, dict) else payload:
            if isinstance(payload, list):  # TreasuryDirect: the fields the warehouse reads, renamed
                record = {
                    fiscal: (record.get(direct) or "null")[:10]
                    if fiscal.endswith("_date")
                    else record.get(direct) or "null"
                    for fiscal, direct in FIELD_NAMES.values()
                }
            records.setdefault((record["auction_date"], record["cusip"]), record)

    def answer(path: str, attempt: int) -> tuple[int, dict[str, str], bytes]:
        if fail_first and attempt == 1:
            return 503, {"Content-Type": "text/html"}, b"<html><body>Service Unavailable</body></html>"
        query = parse_qs(urlsplit(path).query)
        kept = sorted(records.values(), key=lambda record: (record["auction_date"], record["cusip"]))
        for condition in query.get("filter", [""])[0].split(","):
            if condition:
                field_name, operator, value = condition.split(":")
                assert field_name == "auction_date" and operator in ("gte", "lte"), condition
                kept = [
                    record
                    for record in kept
                    if (record[field_name] >= value if operator == "gte" else record[field_name] <= value)
                ]
        size, number = int(query["page[size]"][0]), int(query["page[number]"][0])
        pages = max(1, -(-len(kept) // size))
        body = json.dumps(
            {
                "data": kept[(number - 1) * size : number * size],
                "meta": {
                    "count": len(kept[(number - 1) * size : number * size]),
                    "total-count": len(kept),
                    "total-pages": pages,
                },
                "links": {
                    "self": f"&page%5Bnumber%5D={number}",
                    "first": "&page%5Bnumber%5D=1",
                    "prev": None,
                    "next": f"&page%5Bnumber%5D={number + 1}" if number < pages else None,
                    "last": f"&page%5Bnumber%5D={pages}",
                },
            }
        ).encode()
        return 200, {}, body

    return answer
