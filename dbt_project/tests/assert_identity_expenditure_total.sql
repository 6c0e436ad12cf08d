-- Generated from the catalog (src/budget_etl/catalog) by `budget-etl catalog --write`: do not edit.
-- 本年支出合计（未列明时为支出合计）= 基本支出 + 项目支出（+ 其他用途） / This year's expenditure (本年支出合计; else the expenditure total) = basic (the stated basic total, else its lines) + project expenditure (+ the other uses a national-table document states beside them); the 支出总计 of a 收支总表 also holds the year-end carry-over.
{{ config(severity='warn') }}

with

stated as (
    select document_id, arg_min(value, priority) as expected
    from (
        select document_id, 1 as priority, sum(amount_yuan) as value
        from {{ ref('stg_budget__stated_totals') }}
        where metric in ('expenditure_this_year') and {{ is_main_measure('measure', 'document_id') }}
        group by document_id
        union all
        select document_id, 2 as priority, sum(amount_yuan) as value
        from {{ ref('stg_budget__stated_totals') }}
        where metric in ('expenditure_total') and {{ is_main_measure('measure', 'document_id') }}
        group by document_id
    ) as candidates
    where value is not null
    group by document_id
),

part_1 as (
    select document_id, 1 as part, arg_min(value, priority) as value
    from (
        select document_id, 1 as priority, sum(amount_yuan) as value
        from {{ ref('stg_budget__stated_totals') }}
        where metric in ('basic_total') and {{ is_main_measure('measure', 'document_id') }}
        group by document_id
        union all
        select document_id, 2 as priority, sum(amount_yuan) as value
        from {{ ref('stg_budget__expenditure_lines') }}
        where expenditure_type in ('personnel', 'public_operating') and (fund_scope in ('all_funds') or fund_scope is null) and {{ is_main_measure('measure', 'document_id') }}
        group by document_id
    ) as candidates
    where value is not null
    group by document_id
),

part_2 as (
    select document_id, 2 as part, amount_yuan as value
    from {{ ref('stg_budget__expenditure_lines') }}
    where expenditure_type in ('project') and (fund_scope in ('all_funds') or fund_scope is null) and {{ is_main_measure('measure', 'document_id') }}
),

part_3 as (
    select document_id, 3 as part, amount_yuan as value
    from {{ ref('stg_budget__expenditure_lines') }}
    where expenditure_type in ('unit_reserve', 'business_operation', 'higher_level_remittance', 'subsidiary_subsidy') and (fund_scope in ('all_funds') or fund_scope is null) and {{ is_main_measure('measure', 'document_id') }}
),

parts as (
    select document_id, sum(value) as actual, count(*) as n_parts, count(*) - count(value) as n_empty
    from (
        select * from part_1
        union all
        select * from part_2
        union all
        select * from part_3
    ) as all_parts
    group by document_id
    having count(distinct part) filter (where part in (1, 2)) = 2
)

{{ identity_failures('stated', 'parts', keys=['document_id'], rounding={'元': 0, '千元': 5, '万元': 50, '百万元': 5000, '亿元': 500000}, signed_parts=false) }}
