{#- delete+insert needs a table format with row-level changes (Delta, Iceberg): Spark's Parquet marts are rebuilt
    whole, which is also what makes each Spark run comparable with a DuckDB full build. -#}
{{
    config(
        materialized=('table' if target.type == 'spark' else 'incremental'),
        unique_key=['symbol', 'trade_date'],
        incremental_strategy='delete+insert',
        delete_ranged_by='trade_date',
        on_schema_change='sync_all_columns',
    )
}}

-- An incremental run recomputes each symbol's newest sessions from a lookback long enough for the longest
-- window (252 sessions), so its rows equal a full rebuild's; a full refresh recomputes everything.

with

bars as {{ read_again() }} (
    select symbol, trade_date, close, volume
    from {{ ref('stg_prices__daily_bars') }}
),

-- CTEs chosen by a Jinja block sit at the CTE level, not one indent deeper
-- noqa: disable=LT02
{% if is_incremental_on_current_columns() %}

    last_built as (
    -- with the close it was built from: the re-base test below needs no second pass over the built history
        select
            symbol,
            max(trade_date) as last_trade_date,
            arg_max(close, trade_date) as last_built_close
        from {{ this }}
        group by symbol
    ),

    recent_bars as (
    -- a calendar prefilter keeps the sessions counted below proportional to the new days, not to the history; a
    -- symbol with too few sessions inside it (a long halt) reads its whole history below
        select bars.symbol, bars.trade_date, bars.close, last_built.last_trade_date, last_built.last_built_close
        from bars
        inner join last_built
            on bars.symbol = last_built.symbol
            and bars.trade_date <= last_built.last_trade_date
            and bars.trade_date > cast(
                {{ dbt.dateadd('day', -var('equity_lookback_calendar_days'), 'last_built.last_trade_date') }} as date
            )
    ),

    rebased as (
    -- the close of a symbol's last built session changed in raw: its history was re-based (a split or dividend,
    -- orchestration/ingest/price_basis.py) or corrected, so the symbol is recomputed whole (read from the recent
    -- bars, against the close the last build kept)
        select symbol
        from recent_bars
        where
            trade_date = last_trade_date
            and close is distinct from last_built_close
    ),

    newest_sessions as (
    -- each symbol's newest sessions' dates, newest first: a top-n aggregate per symbol, where numbering every
    -- recent session would sort them all (3.2 M at 8,000 symbols)
        select
            symbol,
            max(trade_date, {{ var('equity_recompute_sessions') }} + {{ var('equity_lookback_sessions') }})
                as trade_dates_newest_first
        from recent_bars
        where symbol not in (select rebased.symbol from rebased)
        group by symbol
    ),

    windows_to_read as (
        select
            symbol,
            trade_dates_newest_first[
                least({{ var('equity_recompute_sessions') }}, len(trade_dates_newest_first))
            ] as recompute_from,
            case
                when len(trade_dates_newest_first)
                    = {{ var('equity_recompute_sessions') }} + {{ var('equity_lookback_sessions') }}
                    then trade_dates_newest_first[
                        {{ var('equity_recompute_sessions') }} + {{ var('equity_lookback_sessions') }}
                    ]
            end as read_from
        from newest_sessions
    ),

    symbols_in_raw as (
        select distinct symbol from bars
    ),

    read_whole as (
    -- a symbol without a window (new, sparse, or re-based) is read and recomputed whole
        select symbols_in_raw.symbol
        from symbols_in_raw
        left join windows_to_read on symbols_in_raw.symbol = windows_to_read.symbol
        where windows_to_read.read_from is null
    ),

    scoped as (
    -- two parts, so that the windowed symbols' join is a range join: DuckDB filters raw's scan by the window's
    -- first date, where one outer join with an `or` matched all 60 M rows of raw to the windows
        select bars.*, windows_to_read.recompute_from
        from bars
        inner join windows_to_read
            on bars.symbol = windows_to_read.symbol
            and bars.trade_date >= windows_to_read.read_from
        union all
        select bars.*, windows_to_read.recompute_from
        from bars
        inner join read_whole on bars.symbol = read_whole.symbol
        left join windows_to_read on bars.symbol = windows_to_read.symbol
    ),

{% else %}

scoped as (
    select bars.*, cast(null as date) as recompute_from
    from bars
),

{% endif %}
-- noqa: enable=LT02

windowed as (
    select
        symbol,
        trade_date,
        close,
        volume,
        recompute_from,
        lag(close) over (partition by symbol order by trade_date) as previous_close,
        -- every bar has a close (stg_prices__daily_bars), so a frame of the last n sessions is full once the
        -- symbol has n sessions: one row number instead of a count per frame (a fifth of this pass at scale)
        row_number() over (partition by symbol order by trade_date) as sessions_so_far,
        avg(close) over (
            partition by symbol order by trade_date
            rows between {{ var('sma_short_sessions') - 1 }} preceding and current row
        ) as mean_close_short,
        avg(close) over (
            partition by symbol order by trade_date
            rows between {{ var('sma_long_sessions') - 1 }} preceding and current row
        ) as mean_close_long,
        avg(volume) over (
            partition by symbol order by trade_date
            rows between {{ var('rel_volume_sessions') }} preceding and 1 preceding
        ) as mean_volume_prior,
        count(volume) over (
            partition by symbol order by trade_date
            rows between {{ var('rel_volume_sessions') }} preceding and 1 preceding
        ) as n_volume_prior,
        max(close) over (
            partition by symbol order by trade_date
            rows between {{ var('drawdown_sessions') - 1 }} preceding and current row
        ) as max_close_window,
        -- how many sessions come before the first one recomputed: the volatility pass below reads only the
        -- returns its windows reach, a tenth of the rows on an incremental run (none on a full build, which
        -- would otherwise pay a window over every session for a column of zeros)
        {% if is_incremental_on_current_columns() -%}
            sum(case when trade_date < recompute_from then 1 else 0 end) over (
                partition by symbol order by trade_date
                rows between unbounded preceding and unbounded following
            )
        {%- else -%}
            0
        {%- endif %} as sessions_before_recompute
    from scoped
),

log_returns as (
    select
        *,
        ln(close / previous_close) as log_return
    from windowed
    where sessions_so_far > sessions_before_recompute - {{ var('realized_vol_returns') }}
),

volatility as (
    select
        *,
        stddev_samp(log_return) over (
            partition by symbol order by trade_date
            rows between {{ var('realized_vol_returns') - 1 }} preceding and current row
        ) as stddev_log_return,
        count(log_return) over (
            partition by symbol order by trade_date
            rows between {{ var('realized_vol_returns') - 1 }} preceding and current row
        ) as n_log_returns,
        -- the previous session's averages, read in this pass rather than by a third window over the indicators
        -- (each pass sorts every session: 60 M rows at 8,000 symbols)
        lag(mean_close_long) over (partition by symbol order by trade_date) as previous_mean_close_long,
        lag(volume) over (partition by symbol order by trade_date) as previous_volume,
        lag(mean_volume_prior) over (partition by symbol order by trade_date) as previous_mean_volume_prior,
        lag(n_volume_prior) over (partition by symbol order by trade_date) as previous_n_volume_prior
    from log_returns
),

indicators as (
    select
        symbol,
        trade_date,
        recompute_from,
        close,
        volume,
        100 * (close / previous_close - 1) as return_1d_pct,
        case when sessions_so_far >= {{ var('sma_short_sessions') }} then mean_close_short end as sma_50d,
        case when sessions_so_far >= {{ var('sma_long_sessions') }} then mean_close_long end as sma_200d,
        previous_close,
        case
            when sessions_so_far > {{ var('sma_long_sessions') }} then previous_mean_close_long
        end as previous_sma_200d,
        case
            when n_volume_prior = {{ var('rel_volume_sessions') }} and mean_volume_prior > 0
                then volume / mean_volume_prior
        end as rel_volume_30d,
        -- kept so fct_stress_alerts finds volume-spike crossings with a filter, not a window over all history
        case
            when previous_n_volume_prior = {{ var('rel_volume_sessions') }} and previous_mean_volume_prior > 0
                then previous_volume / previous_mean_volume_prior
        end as previous_rel_volume_30d,
        case when sessions_so_far >= {{ var('drawdown_sessions') }} then 100 * (close / max_close_window - 1) end
            as drawdown_252d_pct,
        case when n_log_returns = {{ var('realized_vol_returns') }} then 100 * sqrt(252) * stddev_log_return end
            as realized_vol_20d_pct
    from volatility
),

below_average as (
    select
        *,
        close < sma_200d as is_below_sma_200d,
        previous_close < previous_sma_200d as was_below_sma_200d
    from indicators
),

breaches as (
    select
        *,
        -- a breach is a close below the 200-day SMA after a session that was not; unknown (null) while this
        -- session's or the previous session's SMA is unknown
        case
            when sma_200d is not null and previous_sma_200d is not null
                then is_below_sma_200d and not was_below_sma_200d
        end as is_sma_200d_breach
    from below_average
),

final as (
    select
        symbol,
        trade_date,
        close,
        volume,
        return_1d_pct,
        sma_50d,
        sma_200d,
        is_below_sma_200d,
        is_sma_200d_breach,
        rel_volume_30d,
        previous_rel_volume_30d,
        drawdown_252d_pct,
        realized_vol_20d_pct,
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp) as _built_at
    from breaches
    where recompute_from is null
        or trade_date >= recompute_from
)

select * from final
