-- Generated from the catalog (src/budget_etl/catalog) by `budget-etl catalog --write`: do not edit.
-- 名词解释 / Glossary of the document: one row per document and term.
with

source as (
    select * from {{ source('budget', 'glossary') }}
),

renamed as (
    select
        document_id,
        term_no,
        term_zh,
        definition_zh,
        src_line,
        src_table,
        src_row,
        src_col,
        src_page,
        src_file
    from source
)

select * from renamed
