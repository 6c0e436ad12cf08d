-- Basic expenditure by economic class (部门支出经济分类 301/30101…, or 政府支出经济分类 501/50101…) as the
-- document's basic-expenditure table prints it: one row per printed class (类) or item (款) row. Rows of
-- the two levels nest: sum one level only.
-- Each row carries its canonical class and item from the national code list (seed economic_classes): the
-- code of now and its name of now (the 2017 item 30311 住房公积金 is 30113 住房公积金 since 2018). A code
-- the list lacks for the document's year is kept (is_listed_code false, a warning of dbt build).

with

rows_ as (
    select * from {{ ref('stg_budget__economic_expenditure') }}
),

documents as (
    -- facts of the latest version only; dim_document keeps the history
    select * from {{ ref('int_documents__offices') }}
    where is_latest_version
),

codes as (
    select * from {{ ref('int_class_codes') }}
    where classification in ('department', 'government')
),

names_now as (
    select distinct classification, code, name_now_zh, latest_current_code from codes
),

located as (
    select
        rows_.*,
        documents.office_id,
        documents.fiscal_year,
        in_force.code is not null as is_listed_code,
        -- the span in force in the year; else the code's latest span; else the code as printed
        coalesce(in_force.current_code, latest.latest_current_code, rows_.economic_code) as canonical_code
    from rows_
    inner join documents on rows_.document_id = documents.document_id
    left join codes as in_force
        on rows_.scheme = in_force.classification
        and rows_.economic_code = in_force.code
        and documents.fiscal_year between in_force.span_from and in_force.span_to
    left join names_now as latest on rows_.scheme = latest.classification and rows_.economic_code = latest.code
),

final as (
    select
        located.document_id,
        located.office_id,
        {{ office_columns('located.office_id') }},
        located.fiscal_year,
        located.fund_scope,
        {{ label_zh('fund_scope', 'located') }},
        located.scheme,
        {{ label_zh('scheme', 'located') }},
        located.economic_code,
        located.name_zh,
        located.amount_yuan,
        left(located.canonical_code, 3) as class_code,
        class_names.name_now_zh as class_name_zh,
        case when length(located.canonical_code) = 5 then located.canonical_code end as item_code,
        item_names.name_now_zh as item_name_zh,
        located.is_listed_code,
        {{ provenance('located') }}
    from located
    left join names_now as class_names
        on located.scheme = class_names.classification and left(located.canonical_code, 3) = class_names.code
    left join names_now as item_names
        on located.scheme = item_names.classification
        and length(located.canonical_code) = 5 and located.canonical_code = item_names.code
)

select * from final
