"""Checking a market note against the warehouse: each numeric claim gets supported, contradicted or not verifiable."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import yaml

COMPARATORS = ("equals", "below", "above", "in_month", "is_true", "change_over")
AGGREGATES = ("max", "min", "last", "first")


@dataclass(frozen=True)
class MartSpec:
    """How a claim finds its rows in a mart: by subject (symbol or ticker) and by date."""

    date_column: str
    subject_column: str | None = None
    monthly: bool = False
    by_ticker: bool = False  # subject is a ticker, mapped to a CIK through the sec_companies seed


MARTS = {
    "fct_equity_daily": MartSpec("trade_date", "symbol"),
    "fct_rates_daily": MartSpec("obs_date"),
    "fct_credit_spreads_daily": MartSpec("obs_date"),
    "fct_macro_monthly": MartSpec("month", monthly=True),
    "fct_treasury_auctions": MartSpec("auction_date"),
    "fct_fibonacci_levels": MartSpec("swing_year", "symbol"),
    "fct_company_fundamentals_quarterly": MartSpec("period_end", "cik", by_ticker=True),
    "fct_securities_losses_quarterly": MartSpec("period_end", "cik", by_ticker=True),
    "fct_megacap_daily": MartSpec("trade_date"),
    "fct_sector_rotation_daily": MartSpec("trade_date"),
    "fct_market_stress_daily": MartSpec("obs_date"),
}


class ClaimsFileError(ValueError):
    """A claims file that cannot be checked; the message names the claim and the field."""


@dataclass
class Claim:
    id: str
    text: str
    mart: str
    column: str
    comparator: str
    subject: str | None = None
    date: date | None = None
    month: str | None = None
    date_window: tuple[date, date] | None = None
    aggregate: str = "last"
    swing_year: int | None = None
    as_of: date | None = None
    periods: int = 1
    stated: object = None
    tolerance: float = 0.0


@dataclass
class Verdict:
    claim_id: str
    text: str
    verdict: str  # supported | contradicted | not verifiable
    stated: object
    observed: object = None
    difference: float | None = None
    reason: str = ""
    details: dict = field(default_factory=dict)


def _parse_date(value: object, claim_id: str, name: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ClaimsFileError(f"claim {claim_id!r}: field {name!r} is not a date (YYYY-MM-DD): {value!r}") from None


def _parse_month(value: object, claim_id: str, name: str) -> str:
    text = value.strftime("%Y-%m") if isinstance(value, date) else str(value)
    try:
        datetime.strptime(text, "%Y-%m")
    except ValueError:
        raise ClaimsFileError(f"claim {claim_id!r}: field {name!r} is not a month (YYYY-MM): {value!r}") from None
    return text


def parse_claim(raw: dict, position: int) -> Claim:
    """Validate one entry; every problem names the claim and the field."""
    claim_id = str(raw.get("id") or f"#{position + 1}")
    for required in ("id", "metric", "comparator"):
        if required not in raw:
            raise ClaimsFileError(f"claim {claim_id!r}: missing field {required!r}")
    metric = str(raw["metric"])
    mart, _, column = metric.partition(".")
    if mart not in MARTS or not column:
        raise ClaimsFileError(f"claim {claim_id!r}: field 'metric' names an unknown metric {metric!r}; "
                              f"expected <mart>.<column> with a mart among {sorted(MARTS)}")
    comparator = str(raw["comparator"])
    if comparator not in COMPARATORS:
        raise ClaimsFileError(f"claim {claim_id!r}: field 'comparator' must be one of {COMPARATORS}, "
                              f"not {comparator!r}")
    if comparator != "is_true" and "stated" not in raw:
        raise ClaimsFileError(f"claim {claim_id!r}: missing field 'stated'")
    spec = MARTS[mart]
    claim = Claim(id=claim_id, text=str(raw.get("text", "")), mart=mart, column=column, comparator=comparator,
                  stated=raw.get("stated"), tolerance=float(raw.get("tolerance", 0.0)),
                  aggregate=str(raw.get("aggregate", "last")), periods=int(raw.get("periods", 1)))
    if claim.aggregate not in AGGREGATES:
        raise ClaimsFileError(f"claim {claim_id!r}: field 'aggregate' must be one of {AGGREGATES}")
    if spec.subject_column:
        if "subject" not in raw:
            raise ClaimsFileError(f"claim {claim_id!r}: missing field 'subject' (a symbol or ticker for {mart})")
        claim.subject = str(raw["subject"])
    if mart == "fct_fibonacci_levels":
        if "swing_year" not in raw:
            raise ClaimsFileError(f"claim {claim_id!r}: missing field 'swing_year'")
        claim.swing_year = int(raw["swing_year"])
    elif spec.by_ticker:
        if "as_of" not in raw:
            raise ClaimsFileError(f"claim {claim_id!r}: missing field 'as_of' (the latest quarter filed by then)")
        claim.as_of = _parse_date(raw["as_of"], claim_id, "as_of")
    elif "date_window" in raw:
        window = raw["date_window"]
        if not isinstance(window, list) or len(window) != 2:
            raise ClaimsFileError(f"claim {claim_id!r}: field 'date_window' must be [first date, last date]")
        claim.date_window = (_parse_date(window[0], claim_id, "date_window"),
                             _parse_date(window[1], claim_id, "date_window"))
    elif "date" in raw:
        if spec.monthly:
            claim.month = _parse_month(raw["date"], claim_id, "date")
        else:
            claim.date = _parse_date(raw["date"], claim_id, "date")
    else:
        raise ClaimsFileError(f"claim {claim_id!r}: missing field 'date' (or 'date_window')")
    if comparator == "change_over" and claim.date_window is None:
        raise ClaimsFileError(f"claim {claim_id!r}: comparator 'change_over' needs field 'date_window'")
    if comparator == "in_month":
        claim.stated = _parse_month(claim.stated, claim_id, "stated")
    elif comparator != "is_true":
        stated = claim.stated if isinstance(claim.stated, list) else [claim.stated]
        for value in stated:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ClaimsFileError(f"claim {claim_id!r}: field 'stated' must be a number, not {value!r}")
    return claim


def load_claims(path: Path) -> tuple[str, list[Claim]]:
    """Read a claims file (YAML): a note title and its claims."""
    try:
        document = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ClaimsFileError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(document, dict) or not isinstance(document.get("claims"), list):
        raise ClaimsFileError(f"{path}: expected a mapping with a 'claims' list")
    claims = [parse_claim(raw if isinstance(raw, dict) else {}, position)
              for position, raw in enumerate(document["claims"])]
    seen = set()
    for claim in claims:
        if claim.id in seen:
            raise ClaimsFileError(f"claim {claim.id!r}: field 'id' is used twice")
        seen.add(claim.id)
    return str(document.get("note", path.stem)), claims


class _Observation:
    def __init__(self, values: list, reason: str = ""):
        self.values = values
        self.reason = reason


def _has_column(con: duckdb.DuckDBPyConnection, mart: str, column: str) -> bool:
    return bool(con.execute("select count(*) from information_schema.columns where table_schema = 'marts' "
                            "and table_name = $t and column_name = $c", {"t": mart, "c": column}).fetchone()[0])


def _observe(con: duckdb.DuckDBPyConnection, claim: Claim) -> _Observation:
    spec = MARTS[claim.mart]
    if not _has_column(con, claim.mart, claim.column):
        return _Observation([], f"marts.{claim.mart} has no column {claim.column!r} in this warehouse")
    filters, params = [], {}
    if spec.subject_column:
        if spec.by_ticker:
            cik = con.execute("select cik from seeds.sec_companies where upper(ticker) = upper($t)",
                              {"t": claim.subject}).fetchone()
            if cik is None:
                return _Observation([], f"{claim.subject} is not among the SEC companies this warehouse follows")
            filters.append(f"{spec.subject_column} = $subject")
            params["subject"] = cik[0]
        else:
            filters.append(f"{spec.subject_column} = $subject")
            params["subject"] = claim.subject
        present = con.execute(f"select count(*) from marts.{claim.mart} where {filters[0]}", params).fetchone()[0]
        if not present:
            return _Observation([], f"no data for {claim.subject} in marts.{claim.mart} in this warehouse")
    where = " and ".join(filters) or "true"
    column, table = claim.column, f"marts.{claim.mart}"
    if claim.swing_year is not None:
        rows = con.execute(f"select {column} from {table} where {where} and swing_year = $y",
                           {**params, "y": claim.swing_year}).fetchall()
        return _Observation([row[0] for row in rows], "" if rows else f"no swing year {claim.swing_year}")
    if claim.as_of is not None:
        rows = con.execute(f"select {column}, period_end from {table} where {where} and filed <= $as_of "
                           f"order by period_end desc limit $n", {**params, "as_of": claim.as_of,
                                                                 "n": claim.periods}).fetchall()
        if len(rows) < claim.periods:
            return _Observation([], f"fewer than {claim.periods} quarter(s) of {claim.subject} filed by {claim.as_of}")
        return _Observation([row[0] for row in rows])
    if claim.month is not None:
        rows = con.execute(f"select {column} from {table} where strftime(month, '%Y-%m') = $m",
                           {"m": claim.month}).fetchall()
        if not rows:
            return _Observation([], f"no {claim.month} in marts.{claim.mart} in this warehouse")
        if rows[0][0] is None:
            return _Observation([], f"the source lists {claim.month} without a value (it was not published)")
        return _Observation([rows[0][0]])
    date_column = spec.date_column
    if claim.date_window is not None:
        first, last = claim.date_window
        rows = con.execute(f"select {date_column}, {column} from {table} where {where} and {date_column} "
                           f"between $first and $last and {column} is not null order by {date_column}",
                           {**params, "first": first, "last": last}).fetchall()
        if not rows:
            return _Observation([], f"no data between {first} and {last} in marts.{claim.mart}")
        if claim.comparator == "change_over":
            if rows[0][0] != first or rows[-1][0] != last:
                return _Observation([], f"no value on {first} or {last} in marts.{claim.mart}")
            return _Observation([rows[-1][1] - rows[0][1]])
        values = [value for _, value in rows]
        pick = {"max": max, "min": min, "last": lambda v: v[-1], "first": lambda v: v[0]}[claim.aggregate]
        return _Observation([pick(values)])
    rows = con.execute(f"select {column} from {table} where {where} and {date_column} = $d",
                       {**params, "d": claim.date}).fetchall()
    if not rows:
        return _Observation([], f"no row dated {claim.date} in marts.{claim.mart}"
                                + (f" for {claim.subject}" if claim.subject else ""))
    values = [row[0] for row in rows]
    if all(value is None for value in values):
        return _Observation([], f"marts.{claim.mart}.{column} is null on {claim.date} (not enough history)")
    return _Observation([value for value in values if value is not None])


def check_claim(con: duckdb.DuckDBPyConnection, claim: Claim) -> Verdict:
    observation = _observe(con, claim)
    verdict = Verdict(claim.id, claim.text, "not verifiable", claim.stated)
    if not observation.values:
        verdict.reason = observation.reason
        return verdict
    values = observation.values
    if claim.comparator == "is_true":
        verdict.observed = values[0]
        holds = bool(values[0])
    elif claim.comparator == "in_month":
        observed = values[0]
        verdict.observed = observed.isoformat() if isinstance(observed, date) else observed
        holds = isinstance(observed, date) and observed.strftime("%Y-%m") == claim.stated
        if not holds and isinstance(observed, date):
            verdict.reason = f"the latest higher value is on {observed.isoformat()}"
    elif claim.comparator in ("below", "above"):
        # several rows (auctions on one day): the claim holds if any of them crosses
        best = min(values) if claim.comparator == "below" else max(values)
        verdict.observed = best
        verdict.difference = best - claim.stated
        holds = best < claim.stated if claim.comparator == "below" else best > claim.stated
        if len(values) > 1:
            verdict.details["all_observed"] = values
    else:  # equals, change_over
        stated = claim.stated if isinstance(claim.stated, list) else [claim.stated]
        observed = values[: len(stated)]
        if len(observed) < len(stated):
            verdict.reason = f"only {len(observed)} value(s) for {len(stated)} stated"
            return verdict
        differences = [value - expected for value, expected in zip(observed, stated)]
        verdict.observed = observed if len(observed) > 1 else observed[0]
        verdict.difference = differences if len(differences) > 1 else differences[0]
        holds = all(abs(difference) <= claim.tolerance + 1e-9 for difference in differences)
    verdict.verdict = "supported" if holds else "contradicted"
    return verdict


def check_note(con: duckdb.DuckDBPyConnection, claims: list[Claim]) -> list[Verdict]:
    return [check_claim(con, claim) for claim in claims]


def _show(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " / ".join(_show(item) for item in value)
    if isinstance(value, float):
        return f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def verdict_records(verdicts: list[Verdict]) -> list[dict]:
    return [{"claim_id": v.claim_id, "verdict": v.verdict, "stated": v.stated, "observed": v.observed,
             "difference": v.difference, "reason": v.reason, "text": v.text} for v in verdicts]


def format_verdicts(note: str, verdicts: list[Verdict]) -> str:
    rows = [(v.claim_id, _show(v.stated), _show(v.observed), _show(v.difference), v.verdict, v.reason)
            for v in verdicts]
    headers = ("claim", "stated", "observed", "difference", "verdict", "why")
    widths = [max(len(headers[i]), *(len(row[i]) for row in rows)) for i in range(5)]
    lines = [note, "", "  ".join(h.ljust(w) for h, w in zip(headers, widths)) + "  why",
             "  ".join("-" * w for w in widths) + "  ---"]
    lines += ["  ".join(cell.ljust(w) for cell, w in zip(row[:5], widths)) + "  " + row[5] for row in rows]
    counts = {kind: sum(v.verdict == kind for v in verdicts) for kind in ("supported", "contradicted", "not verifiable")}
    lines += ["", ", ".join(f"{count} {kind}" for kind, count in counts.items())]
    return "\n".join(lines)
