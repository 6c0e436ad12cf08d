-- Year on year, per office, fiscal year, kind of disclosure and metric. Last year's figure comes from two
-- places: what this document states (its stated change, or the change column of its 三公 table), and the
-- same office's document of the previous fiscal year and the same kind. The stated prior is preferred
-- where both exist; both are kept, with whether they agree. A metric with neither has no row.

with

metrics as (
    select * from {{ ref('int_office_year_metrics') }}
),

stated_priors as (
    select * from {{ ref('int_stated_priors') }}
),

current_year as (
    select
        metrics.office_id,
        metrics.fiscal_year,
        metrics.doc_kind,
        metrics.metric,
        metrics.document_id,
        metrics.amount_yuan,
        coalesce(
            stated_priors.stated_prior_yuan,
            metrics.amount_yuan - stated_priors.stated_change_yuan
        ) as stated_prior_yuan
    from metrics
    left join stated_priors
        on metrics.document_id = stated_priors.document_id
        and metrics.metric = stated_priors.metric
),

with_prior_document as (
    select
        current_year.*,
        prior_year.document_id as prior_document_id,
        prior_year.amount_yuan as prior_document_yuan
    from current_year
    left join metrics as prior_year
        on current_year.office_id = prior_year.office_id
        and current_year.doc_kind = prior_year.doc_kind
        and current_year.metric = prior_year.metric
        and current_year.fiscal_year - 1 = prior_year.fiscal_year
),

with_prior as (
    select
        *,
        coalesce(stated_prior_yuan, prior_document_yuan) as prior_amount_yuan
    from with_prior_document
    where stated_prior_yuan is not null or prior_document_yuan is not null
),

final as (
    select
        office_id,
        {{ office_columns('with_prior.office_id') }},
        fiscal_year,
        metric,
        {{ label_zh('metric', 'with_prior') }},
        cast(amount_yuan as decimal(18, 2)) as amount_yuan,
        cast(prior_amount_yuan as decimal(18, 2)) as prior_amount_yuan,
        cast(amount_yuan - prior_amount_yuan as decimal(18, 2)) as change_yuan,
        -- a fraction, as every ratio of the marts: 0.1 is an increase of 10 %
        cast(round((amount_yuan - prior_amount_yuan) / nullif(prior_amount_yuan, 0), 6) as decimal(18, 6))
            as change_rate,
        case
            when stated_prior_yuan is not null and prior_document_yuan is not null then 'both'
            when stated_prior_yuan is not null then 'stated'
            else 'prior_document'
        end as prior_source,
        case
            when stated_prior_yuan is not null and prior_document_yuan is not null
                then stated_prior_yuan = prior_document_yuan
        end as stated_matches_prior_document,
        doc_kind,
        {{ label_zh('doc_kind', 'with_prior') }},
        document_id,
        prior_document_id,
        cast(stated_prior_yuan as decimal(18, 2)) as stated_prior_yuan,
        cast(prior_document_yuan as decimal(18, 2)) as prior_document_yuan
    from with_prior
)

select final.*, {{ label_zh('prior_source', 'final') }}
from final
