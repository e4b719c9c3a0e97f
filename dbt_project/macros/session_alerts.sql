{#- fct_stress_alerts, incremental: the rules read row by row from fct_equity_daily (one alert per symbol and session)
    are recomputed only for the sessions the last equity build rewrote (its newest _built_at); every other rule reads a
    series small enough to recompute whole on each run. An edit to the seeds the rules read recomputes every alert. -#}

{#- the metrics of the model's volume_observations and breach_observations, the CTEs that read sessions_in_scope -#}
{% macro session_alert_metrics() %}
    {{ return(['rel_volume_30d', 'is_sma_200d_breach']) }}
{% endmacro %}

{% macro newest_equity_sessions() %}
    select symbol, trade_date
    from {{ ref('fct_equity_daily') }}
    where _built_at = (select max(_built_at) from {{ ref('fct_equity_daily') }})
{% endmacro %}

{#- What the alerts are computed with: every row of stress_thresholds and the symbols the asset rules skip (the
    universe's volatility sector). Stored in each alert row as _rules_fingerprint. -#}
{% macro alert_rules_fingerprint() %}
    {#- a unit test's refs are CTEs of its fixture rows, which no query outside the model can read -#}
    {%- if not execute or model.resource_type == 'unit_test' -%}
        {{ return('') }}
    {%- endif -%}
    {#- compiled before any seed was loaded (sqlfluff's dbt templater on a fresh clone): nothing to fingerprint -#}
    {%- if load_relation(ref('stress_thresholds')) is none or load_relation(ref('universe')) is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set thresholds = run_query("select * from " ~ ref('stress_thresholds') ~ " order by rule_id, subject") -%}
    {%- set skipped = run_query("select symbol from " ~ ref('universe') ~ " where sector = 'volatility' order by symbol") -%}
    {%- set lines = [] -%}
    {%- for row in thresholds.rows -%}
        {%- do lines.append(row.values() | join('|')) -%}
    {%- endfor -%}
    {%- for row in skipped.rows -%}
        {%- do lines.append('skipped|' ~ row[0]) -%}
    {%- endfor -%}
    {{ return(local_md5(lines | join('\n'))) }}
{% endmacro %}

{#- True on an incremental run whose table was computed with today's seeds: only the rewritten sessions' asset alerts
    and the other rules are recomputed. False on a first or full build, when the table lacks a documented column (it
    predates _rules_fingerprint), and when a seed changed since the table was built: every alert is recomputed. -#}
{% macro alerts_recompute_sessions_only() %}
    {%- if not is_incremental_on_current_columns() -%}
        {{ return(false) }}
    {%- endif -%}
    {%- if not execute -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set built = run_query("select distinct _rules_fingerprint from " ~ this) -%}
    {%- set current = built.rows | length == 1 and built.rows[0][0] == alert_rules_fingerprint() -%}
    {%- if not current -%}
        {{ log(this ~ " was computed with other thresholds or universe: recomputing every alert", info=true) }}
    {%- endif -%}
    {{ return(current) }}
{% endmacro %}

{#- The pre-hook of an incremental run: remove exactly what the run recomputes, so an alert a revised bar no longer
    supports disappears instead of lingering (delete+insert by key would only replace alerts that still fire). -#}
{% macro delete_recomputed_alerts() %}
    {%- if is_incremental() -%}
        {%- if alerts_recompute_sessions_only() -%}
            {%- set metrics = "'" ~ session_alert_metrics() | join("', '") ~ "'" -%}
            delete from {{ this }} where metric not in ({{ metrics }});
            delete from {{ this }} as alerts
            using ({{ newest_equity_sessions() }}) as recomputed
            where alerts.metric in ({{ metrics }})
                and alerts.subject = recomputed.symbol
                and alerts.alert_date = recomputed.trade_date
        {%- else -%}
            delete from {{ this }}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
