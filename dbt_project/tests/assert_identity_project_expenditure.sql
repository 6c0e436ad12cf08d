-- 项目支出 = 各项目预算数之和 / Project expenditure = sum of the projects' budgets.
{{ config(severity='warn') }}

with

stated as (
    select document_id, sum(amount_yuan) as expected
    from {{ ref('stg_budget__expenditure_lines') }}
    where expenditure_class = 'project'
    group by document_id
),

parts as (
    select
        document_id,
        sum(budget_yuan) as actual,
        count(*) as n_parts,
        count(*) - count(budget_yuan) as n_empty
    from {{ ref('stg_budget__projects') }}
    group by document_id
)

{{ identity_failures('stated', 'parts') }}
