-- 基本支出 = 人员经费 + 日常公用经费 / Basic expenditure = personnel + public operating.
{{ config(severity='warn') }}

with

stated as (
    select document_id, amount_yuan as expected
    from {{ ref('stg_budget__stated_totals') }}
    where metric = 'basic_total'
),

parts as (
    select document_id, sum(amount_yuan) as actual, count(*) as n_parts, 0 as n_empty
    from {{ ref('stg_budget__expenditure_lines') }}
    where expenditure_type in ('personnel', 'public_operating')
    group by document_id
)

{{ identity_failures('stated', 'parts') }}
