-- Spending by function class (支出功能分类科目) as the document's tables print it: one row per printed row of
-- a by-function table (类 201, 款 20103, 项 2010301), one table per fund scope. Rows of different levels
-- nest: sum one level only. A code may repeat within a table (one block per budget unit).
-- Each row carries its canonical class at every level from the national code list (seed function_classes):
-- the code of now and its name of now, so 医疗卫生与计划生育支出 (2018) and 卫生健康支出 (2019) are one class
-- 210. A code the list lacks for the document's year is kept (is_listed_code false, a warning of dbt build).

with

rows_ as (
    select * from {{ ref('stg_budget__function_expenditure') }}
),

documents as (
    -- facts of the latest version only; dim_document keeps the history
    select * from {{ ref('int_documents__offices') }}
    where is_latest_version
),

codes as (
    select * from {{ ref('int_class_codes') }}
    where classification = 'function'
),

names_now as (
    select distinct code, name_now_zh, latest_current_code from codes
),

located as (
    select
        rows_.*,
        documents.office_id,
        documents.fiscal_year,
        in_force.code is not null as is_listed_code,
        -- the span in force in the year; else the code's latest span; else the code as printed
        coalesce(in_force.current_code, latest.latest_current_code, rows_.function_code) as canonical_code
    from rows_
    inner join documents on rows_.document_id = documents.document_id
    left join codes as in_force
        on rows_.function_code = in_force.code
        and documents.fiscal_year between in_force.span_from and in_force.span_to
    left join names_now as latest on rows_.function_code = latest.code
),

final as (
    select
        located.document_id,
        located.office_id,
        {{ office_columns('located.office_id') }},
        located.fiscal_year,
        located.fund_scope,
        {{ label_zh('fund_scope', 'located') }},
        located.function_code,
        located.level,
        {{ label_zh('level', 'located') }},
        located.name_zh,
        located.total_yuan,
        located.basic_yuan,
        located.project_yuan,
        left(located.canonical_code, 3) as class_code,
        class_names.name_now_zh as class_name_zh,
        case when length(located.canonical_code) >= 5 then left(located.canonical_code, 5) end as section_code,
        section_names.name_now_zh as section_name_zh,
        case when length(located.canonical_code) = 7 then located.canonical_code end as item_code,
        item_names.name_now_zh as item_name_zh,
        located.is_listed_code,
        {{ provenance('located') }}
    from located
    left join names_now as class_names on left(located.canonical_code, 3) = class_names.code
    left join names_now as section_names
        on length(located.canonical_code) >= 5 and left(located.canonical_code, 5) = section_names.code
    left join names_now as item_names
        on length(located.canonical_code) = 7 and located.canonical_code = item_names.code
)

select * from final
