-- Generated from the catalog (src/budget_etl/catalog) by `budget-etl catalog --write`: do not edit.
-- 项目预算数 = 财政资金 + 其他资金 / A project's budget = fiscal funds + other funds (an empty other-funds cell is none).
{{ config(severity='warn') }}

with

stated as (
    select document_id, project_no, budget_yuan as expected
    from {{ ref('stg_budget__projects') }}
    where budget_yuan is not null
),

part_1 as (
    select document_id, project_no, 1 as part, fiscal_funds_yuan as value
    from {{ ref('stg_budget__projects') }}
),

part_2 as (
    select document_id, project_no, 2 as part, coalesce(other_funds_yuan, 0) as value
    from {{ ref('stg_budget__projects') }}
),

parts as (
    select document_id, project_no, sum(value) as actual, count(*) as n_parts, count(*) - count(value) as n_empty
    from (
        select * from part_1
        union all
        select * from part_2
    ) as all_parts
    group by document_id, project_no
)

{{ identity_failures('stated', 'parts', keys=['document_id', 'project_no'], rounding={'元': 0, '千元': 5, '万元': 50, '百万元': 5000, '亿元': 500000}, signed_parts=false) }}
