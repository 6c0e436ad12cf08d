-- Generated from the catalog (src/budget_etl/catalog) by `budget-etl catalog --write`: do not edit.
-- 项目支出 = 各项目预算数之和 / Project expenditure = sum of the projects' budgets.
{{ config(severity='warn') }}

with

stated as (
    select document_id, sum(amount_yuan) as expected
    from {{ ref('stg_budget__expenditure_lines') }}
    where expenditure_type in ('project') and (fund_scope in ('all_funds') or fund_scope is null) and {{ is_main_measure('measure', 'document_id') }}
    group by document_id
),

part_1 as (
    select document_id, 1 as part, budget_yuan as value
    from {{ ref('stg_budget__projects') }}
),

parts as (
    select document_id, sum(value) as actual, count(*) as n_parts, count(*) - count(value) as n_empty
    from (
        select * from part_1
    ) as all_parts
    group by document_id
    having count(distinct part) filter (where part in (1)) = 1
)

{{ identity_failures('stated', 'parts', keys=['document_id'], rounding={'元': 0, '千元': 5, '万元': 50, '百万元': 5000, '亿元': 500000}, signed_parts=false) }}
