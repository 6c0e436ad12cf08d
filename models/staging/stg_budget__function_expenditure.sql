-- Generated from the catalog (src/budget_etl/catalog) by `budget-etl catalog --write`: do not edit.
-- 支出功能分类（类/款/项） / Expenditure by function class (类 201, 款 20103, 项 2010301): one row per document, fund scope and function code.
with

source as (
    select * from {{ source('budget', 'function_expenditure') }}
),

renamed as (
    select
        document_id,
        function_code,
        level,
        name_zh,
        total_yuan,
        basic_yuan,
        project_yuan,
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
