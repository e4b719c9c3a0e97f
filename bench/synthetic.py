"""Synthetic price universes for scale benchmarks: geometric Brownian motion, clearly labelled, never real data.

Writes a data directory in the project's format: prices/SYNnnnnn.csv with business-day bars ending 2025-12-31, plus
the bundled sample's real cboe/, fred/, treasury/ and sec/ folders (those inputs stay the sample's).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from orchestration.settings import SAMPLE_DATA_DIR

LAST_DAY = "2025-12-31"
NEXT_DAY = "2026-01-02"  # the day a one-day incremental run appends


def generate_universe(target: Path, n_symbols: int, years: int = 30, seed: int = 7) -> Path:
    """Write `n_symbols` synthetic symbols of `years` x 252 sessions (history through LAST_DAY)."""
    rng = np.random.default_rng(seed)
    sessions = years * 252
    dates = pd.bdate_range(end=LAST_DAY, periods=sessions).strftime("%Y-%m-%d")
    prices = target / "prices"
    prices.mkdir(parents=True, exist_ok=True)
    for folder in ("cboe", "fred", "treasury", "sec"):
        shutil.copytree(SAMPLE_DATA_DIR / folder, target / folder, dirs_exist_ok=True)
    (target / "SYNTHETIC.md").write_text(
        f"Synthetic benchmark data, NOT market data: {n_symbols} symbols x {sessions} sessions of geometric Brownian "
        f"motion (seed {seed}) in prices/; cboe/, fred/, treasury/ and sec/ are the bundled real sample.\n"
    )
    for number in range(n_symbols):
        drift, volatility = rng.uniform(-0.02, 0.12), rng.uniform(0.15, 0.55)
        shocks = rng.normal((drift - volatility**2 / 2) / 252, volatility / np.sqrt(252), sessions + 1)
        path = rng.uniform(10, 400) * np.exp(np.cumsum(shocks))
        close, previous = path[1:], path[:-1]
        opened = previous * np.exp(rng.normal(0, volatility / np.sqrt(252) / 3, sessions))
        high = np.maximum(opened, close) * (1 + np.abs(rng.normal(0, 0.006, sessions)))
        low = np.minimum(opened, close) * (1 - np.abs(rng.normal(0, 0.006, sessions)))
        volume = np.round(rng.lognormal(np.log(rng.uniform(2e5, 5e7)), 0.45, sessions))
        pd.DataFrame(
            {"date": dates, "open": opened, "high": high, "low": low, "close": close, "volume": volume.astype("int64")}
        ).to_csv(prices / f"SYN{number:06d}.csv", index=False, float_format="%.4f")
    return target


def append_next_day(target: Path, seed: int = 11) -> int:
    """Append one more session (NEXT_DAY) to every synthetic symbol, as tomorrow's download would."""
    rng = np.random.default_rng(seed)
    appended = 0
    for path in sorted((target / "prices").glob("SYN*.csv")):
        with path.open("rb") as handle:
            handle.seek(-200, 2)
            last = handle.read().decode().strip().splitlines()[-1].split(",")
        close = float(last[4]) * float(np.exp(rng.normal(0, 0.015)))
        opened = float(last[4])
        high, low = max(opened, close) * 1.004, min(opened, close) * 0.996
        with path.open("a") as handle:
            handle.write(f"{NEXT_DAY},{opened:.4f},{high:.4f},{low:.4f},{close:.4f},{int(float(last[5]))}\n")
        appended += 1
    return appended
