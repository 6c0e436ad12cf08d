-- Generated from the catalog (src/budget_etl/catalog) by `budget-etl catalog --write`: do not edit.
-- 文件自述的合计数 / Totals and subtotals as the document states them: one row per document, stated total and measure.
with

source as (
    select * from {{ source('budget', 'stated_totals') }}
),

renamed as (
    select
        document_id,
        metric,
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
