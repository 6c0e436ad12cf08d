-- 收入合计 = 各收入来源之和 / Revenue total = sum of the revenue sources.
-- Documents contain slips: a failure warns (and is recorded in dq_check_results by the ingest step).
{{ config(severity='warn') }}

with

stated as (
    select document_id, amount_yuan as expected
    from {{ ref('stg_budget__stated_totals') }}
    where metric = 'revenue_total'
),

parts as (
    select document_id, sum(amount_yuan) as actual, count(*) as n_parts, 0 as n_empty
    from {{ ref('stg_budget__revenue_lines') }}
    group by document_id
)

{{ identity_failures('stated', 'parts') }}
