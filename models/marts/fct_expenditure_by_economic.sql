-- Basic expenditure by economic class (部门支出经济分类 301/30101…, or 政府支出经济分类 501/50101…) as the
-- document's basic-expenditure table prints it: one row per printed class (类) or item (款) row. Rows of
-- the two levels nest: sum one level only.

with

rows_ as (
    select * from {{ ref('stg_budget__economic_expenditure') }}
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
        rows_.scheme,
        rows_.economic_code,
        rows_.name_zh,
        rows_.amount_yuan,
        {{ provenance('rows_') }}
    from rows_
    inner join documents on rows_.document_id = documents.document_id
)

select * from final
