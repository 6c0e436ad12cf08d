with

duties as (
    select * from {{ ref('stg_budget__duties') }}
),

documents as (
    -- facts of the latest version only; dim_document keeps the history
    select * from {{ ref('int_documents__offices') }}
    where is_latest_version
),

final as (
    select
        duties.document_id,
        documents.office_id,
        {{ office_columns('documents.office_id') }},
        documents.fiscal_year,
        duties.duty_no,
        duties.duty_name_zh,
        duties.responsibility_zh,
        duties.duty_targets_zh,
        duties.performance_goal_zh,
        duties.performance_indicators_zh,
        duties.performance_standard_zh,
        {{ fraction_of_percent('duties.grade_excellent_pct') }} as grade_excellent_rate,
        {{ fraction_of_percent('duties.grade_good_pct') }} as grade_good_rate,
        {{ fraction_of_percent('duties.grade_fair_pct') }} as grade_fair_rate,
        {{ fraction_of_percent('duties.grade_poor_pct') }} as grade_poor_rate,
        {{ provenance('duties') }}
    from duties
    inner join documents on duties.document_id = documents.document_id
)

select * from final
