-- Generated from the catalog (src/budget_etl/catalog) by `budget-etl catalog --write`: do not edit.
-- 章节覆盖 / Sections: present, declared empty or missing, so that a missing table is never zeros: one row per document and section.
with

source as (
    select * from {{ source('budget', 'sections') }}
),

renamed as (
    select
        document_id,
        section_key,
        title_zh,
        status,
        note_zh,
        src_line,
        src_table,
        src_row,
        src_col,
        src_page,
        src_file
    from source
)

select * from renamed
