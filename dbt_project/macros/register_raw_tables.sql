{#- On Spark, the validated raw tables and the derived tables arrive as Parquet directories (written by `stresswatch run
    --engine spark`); this on-run-start hook registers them as the `raw` and `derived` source schemas. On DuckDB both
    schemas are already there. -#}
{% macro register_raw_tables() %}
    {%- if target.type == 'spark' and execute -%}
        {%- for schema in ['raw', 'derived'] -%}
            {%- set source_dir = var('spark_dir') ~ '/' ~ schema -%}
            {%- do run_query('create schema if not exists ' ~ schema) -%}
            {%- for source_node in graph.sources.values() if source_node.source_name == schema -%}
                {%- do run_query('create table if not exists ' ~ schema ~ '.' ~ source_node.name
                                 ~ " using parquet location '" ~ source_dir ~ '/' ~ source_node.name ~ "'") -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}
