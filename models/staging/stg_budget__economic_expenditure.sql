-- Generated from the catalog (src/budget_etl/catalog) by `budget-etl catalog --write`: do not edit.
-- 支出经济分类 / Expenditure by economic class (部门经济分类 301…, 政府经济分类 501…): one row per document, fund scope, scheme and economic code.
with

source as (
    select * from {{ source('budget', 'economic_expenditure') }}
),

renamed as (
    select
        document_id,
        economic_code,
        scheme,
        name_zh,
        amount_yuan,
        fund_scope,
        src_line,
        src_table,
        src_row,
        src_col,
        src_page,
        src_file
    from source
)

select * from renamed
