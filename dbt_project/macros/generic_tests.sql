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

{#- Rows whose code has no Chinese name: the label column `<code>_zh` is empty where its code column is not
    (a code the seed code_labels lacks). -#}
{% test names_every_code(model, column_name) %}
select *
from {{ model }}
where {{ column_name[:-3] }} is not null and {{ column_name }} is null
{% endtest %}
