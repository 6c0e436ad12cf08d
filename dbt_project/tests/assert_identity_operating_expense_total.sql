-- 机关运行经费合计 = 各明细之和 / Operating expense total = sum of its items.
{{ config(severity='warn') }}

with

stated as (
    select document_id, amount_yuan as expected
    from {{ ref('stg_budget__stated_totals') }}
    where metric = 'operating_expense_total'
),

parts as (
    select document_id, sum(amount_yuan) as actual, count(*) as n_parts, 0 as n_empty
    from {{ ref('stg_budget__operating_expenses') }}
    group by document_id
)

{{ identity_failures('stated', 'parts') }}
