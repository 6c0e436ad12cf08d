-- The headline figures of each document in long form, one row per document and metric.
-- amount_yuan is the total the document states where it states one, else the sum of its parts.
-- A metric the document gives no figure for has no row (never a zero).

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

assets as (
    select * from {{ ref('stg_budget__assets') }}
),

stated as (
    select
        document_id,
        case metric
            when 'revenue_total' then 'total_revenue'
            when 'expenditure_total' then 'total_expenditure'
            when 'basic_total' then 'basic'
            when 'operating_expense_total' then 'operating_expense'
            when 'three_public_total' then 'three_public'
            when 'asset_total' then 'fixed_assets'
        end as metric,
        -- a total stated twice counts once: the first place it is stated
        arg_min(amount_yuan, coalesce(src_line, 0)) as stated_yuan
    from stated_totals
    where metric in (
        'revenue_total', 'expenditure_total', 'basic_total',
        'operating_expense_total', 'three_public_total', 'asset_total'
    )
    group by 1, 2
),

parts as (
    select document_id, 'total_revenue' as metric, sum(amount_yuan) as sum_of_parts_yuan
    from revenue group by 1

    union all
    select document_id, 'total_expenditure', sum(amount_yuan)
    from expenditure group by 1

    union all
    select document_id, 'basic', sum(amount_yuan)
    from expenditure where expenditure_class = 'basic' group by 1

    union all
    select document_id, expenditure_type, sum(amount_yuan)
    from expenditure where expenditure_type in ('personnel', 'public_operating') group by 1, 2

    union all
    select document_id, 'project', sum(amount_yuan)
    from expenditure where expenditure_class = 'project' group by 1

    union all
    select document_id, 'operating_expense', sum(amount_yuan)
    from operating_expenses group by 1

    union all
    select document_id, 'three_public', sum(amount_yuan)
    from three_public group by 1

    union all
    select document_id, category, sum(amount_yuan)
    from three_public group by 1, 2

    union all
    select document_id, 'fixed_assets', sum(value_yuan)
    from assets group by 1
),

final as (
    select
        coalesce(stated.document_id, parts.document_id) as document_id,
        coalesce(stated.metric, parts.metric) as metric,
        cast(coalesce(stated.stated_yuan, parts.sum_of_parts_yuan) as decimal(18, 2)) as amount_yuan,
        case when stated.stated_yuan is not null then 'stated' else 'sum_of_parts' end as amount_source,
        cast(stated.stated_yuan as decimal(18, 2)) as stated_yuan,
        cast(parts.sum_of_parts_yuan as decimal(18, 2)) as sum_of_parts_yuan
    from stated
    full outer join parts
        on stated.document_id = parts.document_id
        and stated.metric = parts.metric
)

select * from final
where amount_yuan is not null
