-- 固定资产总额 = 各类资产价值之和 / Fixed assets total = sum of the asset classes' values.
{{ config(severity='warn') }}

with

stated as (
    select document_id, amount_yuan as expected
    from {{ ref('stg_budget__stated_totals') }}
    where metric = 'asset_total'
),

parts as (
    select
        document_id,
        sum(value_yuan) as actual,
        count(*) as n_parts,
        count(*) - count(value_yuan) as n_empty
    from {{ ref('stg_budget__assets') }}
    group by document_id
)

{{ identity_failures('stated', 'parts') }}
