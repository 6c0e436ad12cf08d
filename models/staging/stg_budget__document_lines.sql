-- Generated from the catalog (src/budget_etl/catalog) by `budget-etl catalog --write`: do not edit.
-- 文件逐行原文（追溯数字到行） / The lines of each document's normalised text, one row each, so that a fact's src_line is found by a join, not by splitting raw.documents.normalized_text: one row per document and line.
with

source as (
    select * from {{ source('budget', 'document_lines') }}
),

renamed as (
    select
        document_id,
        line_number,
        page,
        line_text
    from source
)

select * from renamed
