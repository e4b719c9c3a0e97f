"""Issue 20's acceptance, printed from a benchmark's figures: each target beside what this run measured."""

from __future__ import annotations

GIB = 1024  # MB per GiB (peak RSS is reported in MB)

# scale -> (the full build's most multiples of the one-statement floor, the peak RSS limit in MB or None)
FULL_BUILD_TARGETS = {"8000": (5.0, 8 * GIB), "1000": (8.0, None)}
ONE_DAY_SHARE_AT_8000 = 0.05
VALIDATION_SHARE_OF_LOAD = 0.20
NOTHING_NEW_ON_THE_SAMPLE_S = 8.0


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def acceptance_rows(results: list[dict]) -> list[tuple[str, str, str, bool]]:
    """(what, target, measured, met) for every target the results can speak to."""
    rows = []
    for result in results:
        scale, full = result["scale"], result["full_build"]
        split = full["split_s"]
        load = split["load"] + split["validation"]  # the load steps' time, validation included
        share = split["validation"] / load if load else 0.0
        rows.append(
            (
                f"{scale}: validation share of the load",
                f"<= {VALIDATION_SHARE_OF_LOAD:.0%}",
                f"{split['validation']} of {load:.2f} s ({share:.1%})",
                share <= VALIDATION_SHARE_OF_LOAD,
            )
        )
        floor = result.get("floor_duckdb_s")
        if scale in FULL_BUILD_TARGETS and floor:
            most, rss_limit = FULL_BUILD_TARGETS[scale]
            ratio = full["wall_s"] / floor
            rows.append(
                (
                    f"{scale}: full build / one-statement floor",
                    f"<= {most:g}x",
                    f"{full['wall_s']} s / {floor} s = {ratio:.1f}x",
                    ratio <= most,
                )
            )
            if rss_limit:
                rows.append(
                    (
                        f"{scale}: full build peak RSS",
                        f"<= {rss_limit / GIB:g} GiB",
                        f"{full['peak_rss_mb']:,} MB",
                        full["peak_rss_mb"] <= rss_limit,
                    )
                )
        if scale == "8000":
            share = result["one_day_run"]["wall_s"] / full["wall_s"]
            rows.append(
                (
                    f"{scale}: one-day run / full build",
                    f"<= {ONE_DAY_SHARE_AT_8000:.0%}",
                    f"{result['one_day_run']['wall_s']} / {full['wall_s']} s = {share:.1%}",
                    share <= ONE_DAY_SHARE_AT_8000,
                )
            )
        if scale == "sample" and "nothing_new_run" in result:
            wall = result["nothing_new_run"]["wall_s"]
            rows.append(
                (
                    "sample: an evening with nothing new",
                    f"<= {NOTHING_NEW_ON_THE_SAMPLE_S:g} s",
                    f"{wall} s",
                    wall <= NOTHING_NEW_ON_THE_SAMPLE_S,
                )
            )
    return rows


def print_acceptance(results: list[dict]) -> None:
    rows = acceptance_rows(results)
    if not rows:
        return
    width = max(len(what) for what, *_ in rows)
    print("\nacceptance (issue 20):")
    for what, target, measured, met in rows:
        print(f"  {what:<{width}}  {target:>10}  {measured:<40} {_verdict(met)}")
    for result in results:
        headroom = one_day_headroom(result)
        if headroom:
            print(f"  {headroom}")


def one_day_headroom(result: dict) -> str | None:
    """At 8,000 symbols: what the one-day target leaves for the day's own work once a run's fixed cost is paid (a
    run that loads nothing new pays it: interpreter and imports, the instance, reading every file's tail, the
    publish and the report)."""
    if result["scale"] != "8000" or "nothing_new_run" not in result:
        return None
    full, nothing_new = result["full_build"]["wall_s"], result["nothing_new_run"]["wall_s"]
    allowed = ONE_DAY_SHARE_AT_8000 * full
    return (
        f"the one-day target allows {allowed:.2f} s; a run that loads nothing new takes {nothing_new} s "
        f"({nothing_new / full:.1%} of the full build), which leaves {allowed - nothing_new:.2f} s for the new day "
        f"(its run took {result['one_day_run']['wall_s'] - nothing_new:.2f} s more than the run with nothing new)"
    )
