-- 项目预算数 = 财政资金 + 其他资金 / A project's budget = fiscal funds + other funds (an empty cell is none).
{{ config(severity='warn') }}

with

projects as (
    select * from {{ ref('stg_budget__projects') }}
    where budget_yuan is not null
      and (fiscal_funds_yuan is not null or other_funds_yuan is not null)
),

documents as (
    select document_id, currency_unit from {{ ref('stg_budget__documents') }}
)

select
    projects.document_id,
    projects.project_code,
    projects.budget_yuan as expected,
    coalesce(projects.fiscal_funds_yuan, 0) + coalesce(projects.other_funds_yuan, 0) as actual,
    coalesce(projects.fiscal_funds_yuan, 0) + coalesce(projects.other_funds_yuan, 0) - projects.budget_yuan
        as difference
from projects
left join documents on projects.document_id = documents.document_id
where abs(coalesce(projects.fiscal_funds_yuan, 0) + coalesce(projects.other_funds_yuan, 0) - projects.budget_yuan)
    > {{ identity_tolerance('documents.currency_unit', 2) }}
