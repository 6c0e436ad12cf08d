-- Generated from the catalog (src/budget_etl/catalog) by `budget-etl catalog --write`: do not edit.
-- 机关运行经费明细 / Items of the operating expenses (机关运行经费): one row per document, item and measure.
with

source as (
    select * from {{ source('budget', 'operating_expenses') }}
),

renamed as (
    select
        document_id,
        item_no,
        item_name_zh,
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
