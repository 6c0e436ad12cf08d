-- “三公”经费比上年增减 = 各类增减之和 / The stated change of the "three public" total = sum of the
-- categories' stated changes.
{{ config(severity='warn') }}

with

stated as (
    select document_id, change_yuan as expected
    from {{ ref('stg_budget__stated_changes') }}
    where metric = 'three_public_total'
),

parts as (
    select
        document_id,
        sum(change_yuan) as actual,
        count(*) as n_parts,
        count(*) - count(change_yuan) as n_empty
    from {{ ref('stg_budget__three_public_costs') }}
    group by document_id
)

{{ identity_failures('stated', 'parts', signed_parts=true) }}
