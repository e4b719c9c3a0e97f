{#- The latest non-null value of `column` up to the current row: a point-in-time forward fill.
    DuckDB and Spark spell "ignore nulls" differently, so the macro dispatches on the adapter. -#}
{% macro last_known_value(column, partition_by, order_by) -%}
    {{ return(adapter.dispatch('last_known_value', 'stresswatch')(column, partition_by, order_by)) }}
{%- endmacro %}

{% macro default__last_known_value(column, partition_by, order_by) -%}
    last_value({{ column }} ignore nulls) over (
        {% if partition_by %}partition by {{ partition_by }}{% endif %}
        order by {{ order_by }}
        rows between unbounded preceding and current row
    )
{%- endmacro %}

{% macro spark__last_known_value(column, partition_by, order_by) -%}
    last({{ column }}, true) over (
        {% if partition_by %}partition by {{ partition_by }}{% endif %}
        order by {{ order_by }}
        rows between unbounded preceding and current row
    )
{%- endmacro %}
