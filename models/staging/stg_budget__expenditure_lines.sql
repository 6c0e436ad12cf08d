-- Generated from the catalog (src/budget_etl/catalog) by `budget-etl catalog --write`: do not edit.
-- 支出构成 / Expenditure by class and type: one row per document and expenditure line.
with

source as (
    select * from {{ source('budget', 'expenditure') }}
),

renamed as (
    select
        document_id,
        expenditure_class,
        expenditure_type,
        label_zh,
        amount_yuan,
        src_line,
        src_table,
        src_row,
        src_col,
        src_page,
        src_file,
        measure,
        fund_scope
    from source
)

select * from renamed
