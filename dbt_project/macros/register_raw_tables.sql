{#- On Spark, the validated raw tables arrive as Parquet directories (written by `stresswatch run --engine spark`);
    this on-run-start hook registers them as the `raw` source schema. On DuckDB the raw schema is already there. -#}
{% macro register_raw_tables() %}
    {%- if target.type == 'spark' and execute -%}
        {%- set raw_dir = var('spark_dir') ~ '/raw' -%}
        {%- do run_query('create schema if not exists raw') -%}
        {%- for source_node in graph.sources.values() if source_node.source_name == 'raw' -%}
            {%- do run_query('create table if not exists raw.' ~ source_node.name
                             ~ " using parquet location '" ~ raw_dir ~ '/' ~ source_node.name ~ "'") -%}
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}
