-- The headline figures of each document in long form, one row per document, metric and measure (a 决算
-- prints its 决算数 and often the 预算数 beside it: measure final, budget, adjusted_budget).
-- is_main_measure: the figure the document is about (a budget's own, a 决算's 决算数); the marts' amount
-- columns mean that one. amount_yuan is the total the document states where it states one, else the sum of
-- its parts. A metric the document gives no figure for has no row (never a zero). Counts the document states
-- (projects with performance targets, vehicles, equipment over a unit-price threshold) are rows too, with
-- their number in stated_count and no amount: a count is never money.

with

stated_totals as (
    select * from {{ ref('stg_budget__stated_totals') }}
),

revenue as (
    select * from {{ ref('stg_budget__revenue_lines') }}
),

expenditure as (
    select * from {{ ref('stg_budget__expenditure_lines') }}
),

operating_expenses as (
    select * from {{ ref('stg_budget__operating_expenses') }}
),

three_public as (
    select * from {{ ref('stg_budget__three_public_costs') }}
),

documents as (
    select * from {{ ref('stg_budget__documents') }}
),

stated_counts as (
    select * from {{ ref('stg_budget__stated_counts') }}
),

assets as (
    -- holdings: one figure per document, its main one
    select assets.*, {{ main_measure('documents.doc_kind') }} as measure
    from {{ ref('stg_budget__assets') }} as assets
    inner join documents on assets.document_id = documents.document_id
),

stated as (
    select
        document_id,
        measure,
        case metric
            when 'revenue_total' then 'total_revenue'
            when 'expenditure_total' then 'total_expenditure'
            when 'basic_total' then 'basic'
            when 'operating_expense_total' then 'operating_expense'
            when 'three_public_total' then 'three_public'
            when 'asset_total' then 'fixed_assets'
            when 'performance_funds' then 'performance_funds'
        end as metric,
        -- a total stated twice counts once: the first place it is stated
        arg_min(amount_yuan, coalesce(src_line, 0)) as stated_yuan
    from stated_totals
    where metric in (
        'revenue_total', 'expenditure_total', 'basic_total',
        'operating_expense_total', 'three_public_total', 'asset_total', 'performance_funds'
    )
    group by 1, 2, 3
),

parts as (
    select document_id, measure, 'total_revenue' as metric, sum(amount_yuan) as sum_of_parts_yuan
    from revenue group by 1, 2

    union all
    select document_id, measure, 'total_expenditure', sum(amount_yuan)
    from expenditure group by 1, 2

    union all
    select document_id, measure, 'basic', sum(amount_yuan)
    from expenditure where expenditure_class = 'basic' group by 1, 2

    union all
    select document_id, measure, expenditure_type, sum(amount_yuan)
    from expenditure where expenditure_type in ('personnel', 'public_operating') group by 1, 2, 3

    union all
    select document_id, measure, 'project', sum(amount_yuan)
    from expenditure where expenditure_class = 'project' group by 1, 2

    union all
    select document_id, measure, 'operating_expense', sum(amount_yuan)
    from operating_expenses group by 1, 2

    union all
    select document_id, measure, 'three_public', sum(amount_yuan)
    from three_public group by 1, 2

    union all
    select document_id, measure, category, sum(amount_yuan)
    from three_public group by 1, 2, 3

    union all
    select document_id, measure, 'fixed_assets', sum(value_yuan)
    from assets group by 1, 2
),

counts as (
    select
        document_id,
        measure,
        case metric
            when 'performance_projects' then 'performance_project_count'
            when 'vehicles' then 'vehicle_count'
            when 'equipment_over_threshold' then 'equipment_over_threshold_count'
        end as metric,
        -- a count stated twice counts once: the first place it is stated
        arg_min("count", coalesce(src_line, 0)) as stated_count,
        arg_min(threshold_yuan, coalesce(src_line, 0)) as threshold_yuan
    from stated_counts
    group by 1, 2, 3
),

amounts as (
    select
        coalesce(stated.document_id, parts.document_id) as document_id,
        coalesce(stated.metric, parts.metric) as metric,
        coalesce(stated.measure, parts.measure) as measure,
        cast(coalesce(stated.stated_yuan, parts.sum_of_parts_yuan) as decimal(18, 2)) as amount_yuan,
        case when stated.stated_yuan is not null then 'stated' else 'sum_of_parts' end as amount_source,
        cast(stated.stated_yuan as decimal(18, 2)) as stated_yuan,
        cast(parts.sum_of_parts_yuan as decimal(18, 2)) as sum_of_parts_yuan,
        cast(null as integer) as stated_count,
        cast(null as decimal(18, 2)) as threshold_yuan
    from stated
    full outer join parts
        on stated.document_id = parts.document_id
        and stated.metric = parts.metric
        and stated.measure = parts.measure
),

final as (
    select * from amounts
    where amount_yuan is not null

    union all
    select
        document_id,
        metric,
        measure,
        cast(null as decimal(18, 2)) as amount_yuan,
        'stated' as amount_source,
        cast(null as decimal(18, 2)) as stated_yuan,
        cast(null as decimal(18, 2)) as sum_of_parts_yuan,
        cast(stated_count as integer) as stated_count,
        cast(threshold_yuan as decimal(18, 2)) as threshold_yuan
    from counts
)

select
    final.*,
    final.measure = {{ main_measure('documents.doc_kind') }} as is_main_measure
from final
inner join documents on final.document_id = documents.document_id
