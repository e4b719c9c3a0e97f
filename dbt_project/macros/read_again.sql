{#- A CTE several later CTEs read, that only picks columns of a large table (60 M rows at 8,000 symbols): DuckDB would
    store it whole (a CTE read more than once is materialized), where reading the table again for each reader is a
    scan. One incremental run at 8,000 symbols spent 1.6 s of fct_equity_daily's 4.2 s storing its bars. Spark has
    no such keyword. Used as `name as {{ read_again() }} (`. -#}
{% macro read_again() -%}
    {{ return(adapter.dispatch('read_again', 'stresswatch')()) }}
{%- endmacro %}

{% macro default__read_again() -%}
    not materialized
{%- endmacro %}

{% macro spark__read_again() -%}
{%- endmacro %}
