{#- fct_stress_alerts, incremental: the rules read row by row from fct_equity_daily (one alert per symbol and session)
    are recomputed only for the sessions the last equity build rewrote (its newest _built_at); every other rule reads a
    series small enough to recompute whole on each run. -#}
{#- the rule ids of the model's volume_observations and breach_observations, the CTEs that read sessions_in_scope -#}
{% macro session_alert_rules() %}
    {{ return(['volume_spike', 'sma_200d_breach']) }}
{% endmacro %}

{% macro newest_equity_sessions() %}
    select symbol, trade_date
    from {{ ref('fct_equity_daily') }}
    where _built_at = (select max(_built_at) from {{ ref('fct_equity_daily') }})
{% endmacro %}

{#- The pre-hook of an incremental run: remove exactly what the run recomputes, so an alert a revised bar no longer
    supports disappears instead of lingering (delete+insert by key would only replace alerts that still fire). -#}
{% macro delete_recomputed_alerts() %}
    {%- if is_incremental() -%}
        {%- set rules = "'" ~ session_alert_rules() | join("', '") ~ "'" -%}
        delete from {{ this }} where rule_id not in ({{ rules }});
        delete from {{ this }} as alerts
        using ({{ newest_equity_sessions() }}) as recomputed
        where alerts.rule_id in ({{ rules }})
            and alerts.subject = recomputed.symbol
            and alerts.alert_date = recomputed.trade_date
    {%- endif -%}
{% endmacro %}
