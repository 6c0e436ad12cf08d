-- Generated from the catalog (src/budget_etl/catalog) by `budget-etl catalog --write`: do not edit.
-- 公开表的合计行数字 / Total-row figures of the national tables, by table kind, row and column: one row per document, table kind, fund scope, row, column and measure.
with

source as (
    select * from {{ source('budget', 'table_figures') }}
),

renamed as (
    select
        document_id,
        table_kind,
        fund_scope,
        row_key,
        column_key,
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
