-- Every line a row of a loaded document cites (a fact, a check, the document's details; superseded versions
-- too), numbered like src_line, with its page where the format has pages: tracing a figure to its line is a
-- join on (document_id, src_line).

with

lines as (
    select * from {{ ref('stg_budget__document_lines') }}
),

final as (
    select
        document_id,
        line_number,
        page,
        line_text
    from lines
)

select * from final
