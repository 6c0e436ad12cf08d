-- Generated from the catalog (src/budget_etl/catalog) by `budget-etl catalog --write`: do not edit.
-- 政府采购明细 / Government procurement items: one row per document and item.
with

source as (
    select * from {{ source('budget', 'procurement_items') }}
),

renamed as (
    select
        document_id,
        item_no,
        project_name_zh,
        item_name_zh,
        catalog_no,
        quantity,
        unit_zh,
        unit_price_yuan,
        amount_yuan,
        src_line,
        src_table,
        src_row,
        src_col,
        src_page,
        src_file
    from source
)

select * from renamed
