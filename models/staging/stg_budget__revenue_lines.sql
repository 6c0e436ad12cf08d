-- Generated from the catalog (src/budget_etl/catalog) by `budget-etl catalog --write`: do not edit.
-- 收入来源 / Revenue by source: one row per document and revenue line.
with

source as (
    select * from {{ source('budget', 'revenue') }}
),

renamed as (
    select
        document_id,
        revenue_source,
        label_zh,
        amount_yuan,
        src_line,
        src_table,
        src_row,
        src_col,
        src_page,
        src_file,
        measure
    from source
)

select * from renamed
