-- Spending by function class (支出功能分类科目) as the document's tables print it: one row per printed row of
-- a by-function table (类 201, 款 20103, 项 2010301), one table per fund scope. Rows of different levels
-- nest: sum one level only. A code may repeat within a table (one block per budget unit).

with

rows_ as (
    select * from {{ ref('stg_budget__function_expenditure') }}
),

documents as (
    -- facts of the latest version only; dim_document keeps the history
    select * from {{ ref('int_documents__offices') }}
    where is_latest_version
),

final as (
    select
        rows_.document_id,
        documents.office_id,
        documents.fiscal_year,
        rows_.fund_scope,
        rows_.function_code,
        rows_.level,
        rows_.name_zh,
        rows_.total_yuan,
        rows_.basic_yuan,
        rows_.project_yuan,
        {{ provenance('rows_') }}
    from rows_
    inner join documents on rows_.document_id = documents.document_id
)

select * from final
