-- Generated from the catalog (src/budget_etl/catalog) by `budget-etl catalog --write`: do not edit.
-- 被引用的原文行（追溯数字到行） / The lines of each document's normalised text that its rows cite (a src_line of a fact, a check or the document), one row each: a figure is traced to its line by a join; the whole text stays in raw.documents.normalized_text: one row per document and cited line.
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
