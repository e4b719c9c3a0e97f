"""A claims file (YAML): the marts a claim may name and the parsing that names the claim and field of every error."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

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
        raise ClaimsFileError(
            f"claim {claim_id!r}: field 'metric' names an unknown metric {metric!r}; "
            f"expected <mart>.<column> with a mart among {sorted(MARTS)}"
        )
    comparator = str(raw["comparator"])
    if comparator not in COMPARATORS:
        raise ClaimsFileError(
            f"claim {claim_id!r}: field 'comparator' must be one of {COMPARATORS}, not {comparator!r}"
        )
    if comparator != "is_true" and "stated" not in raw:
        raise ClaimsFileError(f"claim {claim_id!r}: missing field 'stated'")
    spec = MARTS[mart]
    claim = Claim(
        id=claim_id,
        text=str(raw.get("text", "")),
        mart=mart,
        column=column,
        comparator=comparator,
        stated=raw.get("stated"),
        tolerance=float(raw.get("tolerance", 0.0)),
        aggregate=str(raw.get("aggregate", "last")),
        periods=int(raw.get("periods", 1)),
    )
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
        claim.date_window = (
            _parse_date(window[0], claim_id, "date_window"),
            _parse_date(window[1], claim_id, "date_window"),
        )
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
    claims = [
        parse_claim(raw if isinstance(raw, dict) else {}, position) for position, raw in enumerate(document["claims"])
    ]
    seen = set()
    for claim in claims:
        if claim.id in seen:
            raise ClaimsFileError(f"claim {claim.id!r}: field 'id' is used twice")
        seen.add(claim.id)
    return str(document.get("note", path.stem)), claims
