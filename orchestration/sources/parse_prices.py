"""Daily OHLCV CSVs: the plain `date,open,...,volume` shape, Yahoo's download, and Cboe's VIX history."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from orchestration.sources.errors import SourceFormatError
from orchestration.sources.values import blank_to_na, to_date, to_number

PRICE_COLUMNS = ["symbol", "trade_date", "open", "high", "low", "close", "volume", "source"]

# Header spellings we accept, lower-cased; 'adj close' is read but not used (open/high/low are unadjusted
# in a Yahoo download, so the unadjusted close keeps each bar consistent).
_REQUIRED = ("date", "open", "high", "low", "close")


def parse_price_csv(content: str | bytes, where: str, symbol: str, source: str, volume_required: bool = True,
                    extra_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """Parse one symbol's daily bars into raw.price_bars columns (without the load metadata)."""
    if isinstance(content, bytes):
        content = content.decode("utf-8-sig")
    if not content.strip():
        raise SourceFormatError(where, "file is empty (expected a header 'date,open,high,low,close,volume')",
                                check="file_not_empty")
    try:
        table = pd.read_csv(io.StringIO(content), dtype=str, keep_default_na=False)
    except pd.errors.ParserError as exc:
        raise SourceFormatError(where, f"not a readable CSV ({exc})") from exc
    table.columns = [str(name).strip().lower() for name in table.columns]
    wanted = _REQUIRED + (("volume",) if volume_required else ())
    missing = [name for name in wanted if name not in table.columns]
    if missing:
        raise SourceFormatError(
            where,
            f"unknown price header {list(table.columns)}: missing column(s) {missing}; expected "
            "'date,open,high,low,close,volume' or Yahoo's 'Date,Open,High,Low,Close,Adj Close,Volume'",
        )
    ohlc = {name: to_number(table[name], where, name) for name in ("open", "high", "low", "close")}
    frame = pd.DataFrame({
        **{name: table[name] for name in extra_columns},
        "symbol": symbol,
        "trade_date": to_date(table["date"], where, "date"),
        **ohlc,
        "volume": to_number(table["volume"], where, "volume") if "volume" in table.columns else float("nan"),
        "source": source,
    })
    # Yahoo writes a row of 'null' on days an index did not print; such a row is not a session.
    no_prices = frame[["open", "high", "low", "close"]].isna().all(axis=1)
    return frame.loc[~no_prices, [*extra_columns, *PRICE_COLUMNS]].reset_index(drop=True)


@dataclass(frozen=True)
class PriceFile:
    """One symbol's CSV content (whole, or a header and its tail) and where it came from."""

    content: bytes
    where: str
    symbol: str
    source: str
    volume_required: bool = True


def _header_and_body(content: bytes) -> tuple[bytes, bytes]:
    text = content.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n")
    header, _, body = text.partition(b"\n")
    # blank lines are no rows for read_csv; once prefixed with a file number they would be, so they go here
    lines = [line for line in body.split(b"\n") if line.strip()]
    return header.strip(), b"\n".join(lines) + b"\n" if lines else b""


def parse_price_files(files: list[PriceFile]) -> pd.DataFrame:
    """Parse many price files at once: files sharing a header are joined into one CSV with a file-number column
    and parsed in one pass (a daily run reads a few lines of each of thousands of files, and a parse per file
    costs more than its lines). Any problem sends the files back to `parse_price_csv` one by one, so the error
    names the file exactly as a single parse would."""
    groups: dict[tuple[bytes, bool], list[int]] = {}
    for number, file in enumerate(files):
        header, _ = _header_and_body(file.content)
        groups.setdefault((header, file.volume_required), []).append(number)
    frames = []
    for (header, volume_required), numbers in groups.items():
        parts = [b"file_number," + header + b"\n"]
        for number in numbers:
            _, body = _header_and_body(files[number].content)
            prefix = str(number).encode() + b","
            # every data line gets its file's number (C-speed replace, not a Python loop over lines)
            parts.append(prefix + body[:-1].replace(b"\n", b"\n" + prefix) + b"\n" if body.strip() else b"")
        try:
            if not header or any(not files[number].content.strip() for number in numbers):
                raise SourceFormatError("", "empty file")
            frame = parse_price_csv(b"".join(parts), "", "", "", volume_required, extra_columns=("file_number",))
        except SourceFormatError:
            return pd.concat([parse_price_csv(file.content, file.where, file.symbol, file.source, file.volume_required)
                              for file in files], ignore_index=True)
        numbers_of_rows = frame.pop("file_number").astype(int)
        frame["symbol"] = numbers_of_rows.map(lambda number: files[number].symbol)
        frame["source"] = numbers_of_rows.map(lambda number: files[number].source)
        frames.append(frame[PRICE_COLUMNS])
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=PRICE_COLUMNS)


def read_price_file(path: Path, symbol: str, source: str, volume_required: bool = True) -> pd.DataFrame:
    """Read and parse one price file from disk."""
    return parse_price_csv(path.read_bytes(), str(path), symbol, source, volume_required)


__all__ = ["PRICE_COLUMNS", "parse_price_csv", "read_price_file", "blank_to_na"]
