-- “三公”经费合计 = 各类之和 / "Three public" total = sum of its four categories.
{{ config(severity='warn') }}

with

stated as (
    select document_id, amount_yuan as expected
    from {{ ref('stg_budget__stated_totals') }}
    where metric = 'three_public_total'
),

parts as (
    select document_id, sum(amount_yuan) as actual, count(*) as n_parts, 0 as n_empty
    from {{ ref('stg_budget__three_public_costs') }}
    group by document_id
)

{{ identity_failures('stated', 'parts') }}
