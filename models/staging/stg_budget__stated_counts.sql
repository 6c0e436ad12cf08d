-- Generated from the catalog (src/budget_etl/catalog) by `budget-etl catalog --write`: do not edit.
-- 文件自述的数量 / Counts the document states (not money): projects, vehicles, equipment: one row per document, count metric and measure.
with

source as (
    select * from {{ source('budget', 'stated_counts') }}
),

renamed as (
    select
        document_id,
        metric,
        count,
        label_zh,
        threshold_yuan,
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
