-- Every line a row of a loaded document cites (a fact, a check, the document's details; superseded versions
-- too), numbered like src_line, with its page where the format has pages: tracing a figure to its line is a
-- join on (document_id, src_line).

with

lines as (
    select * from {{ ref('stg_budget__document_lines') }}
),

documents as (
    select document_id, office_id, fiscal_year from {{ ref('int_documents__offices') }}
),

final as (
    select
        lines.document_id,
        documents.office_id,
        {{ office_columns('documents.office_id') }},
        documents.fiscal_year,
        lines.line_number,
        lines.page,
        lines.line_text
    from lines
    join documents using (document_id)
)

select * from final
