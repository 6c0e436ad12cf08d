-- Generated from the catalog (src/budget_etl/catalog) by `budget-etl catalog --write`: do not edit.
-- “三公”经费 / The 三公 costs: amount, stated change on last year and its reason: one row per document, category and measure.
with

source as (
    select * from {{ source('budget', 'three_public_costs') }}
),

renamed as (
    select
        document_id,
        category,
        category_zh,
        amount_yuan,
        change_yuan,
        prior_year_yuan,
        change_reason_zh,
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
