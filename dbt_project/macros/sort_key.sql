{#- Several columns as one value that compares column by column, for min_by/max_by over a compound order (the first
    session of the lowest close: min_by(trade_date, sort_key(['close', 'trade_date']))). DuckDB builds it with row(),
    Spark with struct(). -#}
{% macro sort_key(columns) -%}
    {{ return(adapter.dispatch('sort_key', 'stresswatch')(columns)) }}
{%- endmacro %}

{% macro default__sort_key(columns) -%}
    row({{ columns | join(', ') }})
{%- endmacro %}

{% macro spark__sort_key(columns) -%}
    struct({{ columns | join(', ') }})
{%- endmacro %}
