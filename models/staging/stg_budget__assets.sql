-- Generated from the catalog (src/budget_etl/catalog) by `budget-etl catalog --write`: do not edit.
-- 固定资产 / Fixed assets by class (部门固定资产占用情况): one row per document and asset class.
with

source as (
    select * from {{ source('budget', 'assets') }}
),

renamed as (
    select
        document_id,
        item_no,
        asset_class_zh,
        unit_zh,
        quantity,
        value_yuan,
        as_of_date,
        src_line,
        src_table,
        src_row,
        src_col,
        src_page,
        src_file
    from source
)

select * from renamed
