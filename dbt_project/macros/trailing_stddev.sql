{#- The sample standard deviation of an expression over the last `rows` rows of a partition, null until there are
    that many values: realized volatility, one definition for the marts and the stress index. -#}
{% macro trailing_stddev(expression, order_by, rows, partition_by=none) -%}
    case
        when count({{ expression }}) over ({% if partition_by %}partition by {{ partition_by }} {% endif %}order by {{ order_by }} rows between {{ rows - 1 }} preceding and current row) = {{ rows }}
            then stddev_samp({{ expression }}) over ({% if partition_by %}partition by {{ partition_by }} {% endif %}order by {{ order_by }} rows between {{ rows - 1 }} preceding and current row)
    end
{%- endmacro %}
