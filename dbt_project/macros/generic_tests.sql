{#- Generic tests (no dbt packages can be installed here). -#}

{#- Rows where the SQL expression is not true. -#}
{% test expression_is_true(model, expression, column_name=None) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
{% endtest %}

{#- Combinations of the columns that occur more than once. -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
select {{ combination_of_columns | join(', ') }}, count(*) as n_rows
from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1
{% endtest %}

{#- Spans of years (from_column .. to_column, empty = open) of one key that overlap: each row whose span
    reaches the start of the key's next span. -#}
{% test spans_do_not_overlap(model, key_columns, from_column, to_column) %}
select *
from (
    select
        *,
        lead(coalesce({{ from_column }}, 0)) over (
            partition by {{ key_columns | join(', ') }} order by coalesce({{ from_column }}, 0)
        ) as next_span_from
    from {{ model }}
) as spans
where next_span_from <= coalesce({{ to_column }}, 9999)
{% endtest %}

{#- Codes without a Chinese name: for each label column `<code>_zh` of label_columns, the rows where it is empty
    but its code column is not (a code the seed code_labels lacks); one row per such row, naming the label column
    and the code. Declared once per model with all its label columns: one dbt node, not one per column. -#}
{% test names_every_code(model, label_columns) %}
{%- for label_column in label_columns %}
select '{{ label_column }}' as label_column, cast({{ label_column[:-3] }} as varchar) as code
from {{ model }}
where {{ label_column[:-3] }} is not null and {{ label_column }} is null
{% if not loop.last %}union all{% endif %}
{%- endfor %}
{% endtest %}
