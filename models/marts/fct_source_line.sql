-- Every line of every loaded document (superseded versions too), numbered like the facts' src_line, with its
-- page where the format has pages: tracing a figure to its line is a join on (document_id, src_line).
-- A view over raw.document_lines, not a table: the text is stored once, in raw, and this mart is only a name
-- for it (the export skips views: the full text of every document is no table to download).

{{ config(materialized='view') }}

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
