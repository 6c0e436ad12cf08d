-- 支出合计 = 基本支出 + 项目支出 (+ 其他用途：单位预留机动经费 …) / Expenditure total = basic + project
-- expenditure (+ the other uses a national-table document states beside them).
-- Basic is the stated basic total where the document states it, else the sum of the basic lines; a
-- document without basic or without project expenditure is not tested.
{{ config(severity='warn') }}

with

stated as (
    select document_id, amount_yuan as expected
    from {{ ref('stg_budget__stated_totals') }}
    where metric = 'expenditure_total'
),

stated_basic as (
    select document_id, amount_yuan
    from {{ ref('stg_budget__stated_totals') }}
    where metric = 'basic_total'
),

lines as (
    select
        document_id,
        sum(amount_yuan) filter (where expenditure_class = 'basic') as basic_yuan,
        sum(amount_yuan) filter (where expenditure_class = 'project') as project_yuan,
        coalesce(sum(amount_yuan) filter (where expenditure_class = 'other'), 0) as other_yuan,
        count(*) filter (where expenditure_class = 'other') as n_other
    from {{ ref('stg_budget__expenditure_lines') }}
    group by document_id
),

parts as (
    select
        lines.document_id,
        coalesce(stated_basic.amount_yuan, lines.basic_yuan) + lines.project_yuan + lines.other_yuan as actual,
        2 + lines.n_other as n_parts,
        0 as n_empty
    from lines
    left join stated_basic on lines.document_id = stated_basic.document_id
    where coalesce(stated_basic.amount_yuan, lines.basic_yuan) is not null
      and lines.project_yuan is not null
)

{{ identity_failures('stated', 'parts') }}
