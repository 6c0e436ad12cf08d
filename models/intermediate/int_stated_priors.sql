-- Last year's figure as the document itself states it: its stated change on last year (raw.stated_changes)
-- and the change column of its 三公 table. One row per document and metric, metrics named as in
-- int_document_metrics. stated_prior_yuan is null where the document gives only the change.

with

stated_changes as (
    select * from {{ ref('stg_budget__stated_changes') }}
),

three_public as (
    select * from {{ ref('stg_budget__three_public_costs') }}
),

changes as (
    select
        document_id,
        case metric
            when 'expenditure_total' then 'total_expenditure'
            when 'three_public_total' then 'three_public'
            else metric
        end as metric,
        current_yuan as stated_current_yuan,
        change_yuan as stated_change_yuan,
        coalesce(prior_year_yuan, current_yuan - change_yuan) as stated_prior_yuan,
        src_line
    from stated_changes
    where metric in ('expenditure_total', 'basic', 'project', 'three_public_total')
),

three_public_changes as (
    select
        document_id,
        category as metric,
        amount_yuan as stated_current_yuan,
        change_yuan as stated_change_yuan,
        coalesce(prior_year_yuan, amount_yuan - change_yuan) as stated_prior_yuan,
        src_line
    from three_public
    where (change_yuan is not null or prior_year_yuan is not null)
        and {{ is_main_measure('measure', 'document_id') }}
),

unioned as (
    select * from changes
    union all
    select * from three_public_changes
),

final as (
    -- a change stated twice counts once: the first place it is stated
    select
        document_id,
        metric,
        cast(arg_min(stated_current_yuan, coalesce(src_line, 0)) as decimal(18, 2)) as stated_current_yuan,
        cast(arg_min(stated_change_yuan, coalesce(src_line, 0)) as decimal(18, 2)) as stated_change_yuan,
        cast(arg_min(stated_prior_yuan, coalesce(src_line, 0)) as decimal(18, 2)) as stated_prior_yuan
    from unioned
    group by document_id, metric
)

select * from final
