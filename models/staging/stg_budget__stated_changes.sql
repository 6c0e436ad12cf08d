-- Generated from the catalog (src/budget_etl/catalog) by `budget-etl catalog --write`: do not edit.
-- 文件自述的比上年增减 / Changes on last year as the document states them: one row per document and metric.
with

source as (
    select * from {{ source('budget', 'stated_changes') }}
),

renamed as (
    select
        document_id,
        metric,
        change_yuan,
        current_yuan,
        prior_year_yuan,
        src_line,
        src_table,
        src_row,
        src_col,
        src_page,
        src_file
    from source
)

select * from renamed
