"""Daily OHLCV CSVs: the plain `date,open,...,volume` shape, Yahoo's download, and Cboe's VIX history."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from orchestration.ingest.sources.errors import SourceFormatError
from orchestration.ingest.sources.values import ORIGIN_COLUMNS, blank_to_na, read_cells, to_date, to_number

PRICE_COLUMNS = ["symbol", "trade_date", "open", "high", "low", "close", "volume", "source"]

# Header spellings we accept, lower-cased; 'adj close' is read but not used (open/high/low are unadjusted
# in a Yahoo download, so the unadjusted close keeps each bar consistent).
_REQUIRED = ("date", "open", "high", "low", "close")


def parse_price_csv(
    content: str | bytes,
    where: str,
    symbol: str,
    source: str,
    volume_required: bool = True,
    body_first_line: int = 2,
    extra_columns: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Parse one symbol's daily bars into raw.price_bars columns and their origin (file, line).

    `body_first_line` is the file's line of the first row when `content` is a header and the file's tail."""
    if isinstance(content, str):
        content = content.encode()
    if not content.strip():
        raise SourceFormatError(
            where, "file is empty (expected a header 'date,open,high,low,close,volume')", check="file_not_empty"
        )
    table = read_cells(content, where, body_first_line)
    table.columns = [name.lower() for name in table.columns]
    wanted = _REQUIRED + (("volume",) if volume_required else ())
    missing = [name for name in wanted if name not in table.columns]
    if missing:
        raise SourceFormatError(
            where,
            f"unknown price header {list(table.columns[:-1])}: missing column(s) {missing}; expected "
            "'date,open,high,low,close,volume' or Yahoo's 'Date,Open,High,Low,Close,Adj Close,Volume'",
            line=1,
        )
    lines = table["_line"]
    ohlc = {name: to_number(table[name], where, name, lines=lines) for name in ("open", "high", "low", "close")}
    frame = pd.DataFrame(
        {
            **{name: table[name] for name in extra_columns},
            "symbol": symbol,
            "trade_date": to_date(table["date"], where, "date", lines=lines),
            **ohlc,
            "volume": to_number(table["volume"], where, "volume", lines=lines)
            if "volume" in table.columns
            else float("nan"),
            "source": source,
            "_file": where,
            "_line": lines.astype("int64"),
        }
    )
    # Yahoo writes a row of 'null' on days an index did not print; such a row is not a session. A row with some
    # prices (or a required volume) missing is no bar: refused, naming its line.
    missing = frame[["open", "high", "low", "close"]].isna()
    no_prices = missing.all(axis=1)
    incomplete = (missing.any(axis=1) & ~no_prices) | (
        frame["volume"].isna() & ~no_prices if volume_required else False
    )
    if incomplete.any():
        position = int(incomplete.to_numpy().nonzero()[0][0])
        absent = [
            name
            for name in ("open", "high", "low", "close", "volume")
            if pd.isna(frame[name].iloc[position]) and (name != "volume" or volume_required)
        ]
        raise SourceFormatError(
            where,
            f"no value for {', '.join(absent)} (a bar needs all four prices"
            f"{' and its volume' if volume_required else ''}; {int(incomplete.sum())} "
            "such line(s))",
            check="values_are_present",
            line=int(lines.iloc[position]),
        )
    return frame.loc[~no_prices, [*extra_columns, *PRICE_COLUMNS, *ORIGIN_COLUMNS]].reset_index(drop=True)


@dataclass(frozen=True)
class PriceFile:
    """One symbol's CSV content (whole, or a header and its tail) and where it came from."""

    content: bytes
    where: str
    symbol: str
    source: str
    volume_required: bool = True
    body_first_line: int = 2  # the file's line of the content's first row (beyond 2 when a tail was read)

    def parse(self) -> pd.DataFrame:
        return parse_price_csv(
            self.content, self.where, self.symbol, self.source, self.volume_required, self.body_first_line
        )


@dataclass(frozen=True)
class WholeFile:
    """A price file to be read whole by DuckDB: its path, symbol, source label and whether it must carry volume."""

    path: Path
    symbol: str
    source: str
    volume_required: bool = True


def _header_and_body(content: bytes) -> tuple[bytes, bytes, bool]:
    """The header, the body and whether the body is plain (no blank line, so rows and lines correspond)."""
    text = content.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n")
    header, _, body = text.partition(b"\n")
    body = body.rstrip(b"\n")
    return header.strip(), body + b"\n" if body else b"", b"\n\n" not in body and not body.startswith(b"\n")


class _NotJoinable(Exception):
    """The files cannot be parsed as one CSV; each is parsed alone, which names the file and line of a problem."""


def parse_price_files(files: list[PriceFile]) -> pd.DataFrame:
    """Parse many price files at once: files sharing a header are joined into one CSV with a file-number column
    and parsed in one pass (a daily run reads a few lines of each of thousands of files, and a parse per file
    costs more than its lines). Any problem sends the files back to `parse_price_csv` one by one, so the error
    names the file and line exactly as a single parse would."""
    groups: dict[tuple[bytes, bool], list[int]] = {}
    for number, file in enumerate(files):
        header, _, _ = _header_and_body(file.content)
        groups.setdefault((header, file.volume_required), []).append(number)
    frames = []
    try:
        for (header, volume_required), numbers in groups.items():
            parts = [b"file_number," + header + b"\n"]
            first_joined_line = {}  # the joined CSV's line of each file's first row
            line = 2
            for number in numbers:
                _, body, plain = _header_and_body(files[number].content)
                if not header or not files[number].content.strip() or not plain:
                    raise _NotJoinable
                first_joined_line[number] = line
                line += body.count(b"\n")
                prefix = str(number).encode() + b","
                # every data line gets its file's number (C-speed replace, not a Python loop over lines)
                parts.append(prefix + body[:-1].replace(b"\n", b"\n" + prefix) + b"\n" if body else b"")
            try:
                frame = parse_price_csv(b"".join(parts), "", "", "", volume_required, extra_columns=("file_number",))
            except SourceFormatError as exc:
                raise _NotJoinable from exc
            frames.append(_name_rows(frame, files, first_joined_line))
    except _NotJoinable:
        return pd.concat([file.parse() for file in files], ignore_index=True)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=PRICE_COLUMNS + ORIGIN_COLUMNS)


def _name_rows(frame: pd.DataFrame, files: list[PriceFile], first_joined_line: dict[int, int]) -> pd.DataFrame:
    """Give the rows of a joined parse their file's symbol, source, path and line in that file."""
    numbers = frame.pop("file_number").astype("int64").to_numpy()
    symbols = np.array([file.symbol for file in files], dtype=object)
    sources = np.array([file.source for file in files], dtype=object)
    wheres = np.array([file.where for file in files], dtype=object)
    body_first = np.array([file.body_first_line for file in files])
    joined_first = np.array([first_joined_line.get(number, 0) for number in range(len(files))])
    frame["symbol"] = symbols[numbers]
    frame["source"] = sources[numbers]
    frame["_file"] = pd.Categorical(wheres[numbers])
    frame["_line"] = body_first[numbers] + frame["_line"].to_numpy() - joined_first[numbers]
    return frame


def read_price_file(path: Path, symbol: str, source: str, volume_required: bool = True) -> pd.DataFrame:
    """Read and parse one price file from disk."""
    return parse_price_csv(path.read_bytes(), str(path), symbol, source, volume_required)


__all__ = ["PRICE_COLUMNS", "PriceFile", "parse_price_csv", "parse_price_files", "read_price_file", "blank_to_na"]
