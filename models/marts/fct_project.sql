with

projects as (
    select * from {{ ref('stg_budget__projects') }}
),

documents as (
    -- facts of the latest version only; dim_document keeps the history
    select * from {{ ref('int_documents__offices') }}
    where is_latest_version
),

final as (
    select
        projects.document_id,
        documents.office_id,
        {{ office_columns('documents.office_id') }},
        documents.fiscal_year,
        projects.project_code,
        projects.project_name_zh,
        projects.budget_yuan,
        projects.fiscal_funds_yuan,
        projects.other_funds_yuan,
        {{ fraction_of_percent('projects.spend_plan_pct_m03') }} as spend_plan_share_m03,
        {{ fraction_of_percent('projects.spend_plan_pct_m06') }} as spend_plan_share_m06,
        {{ fraction_of_percent('projects.spend_plan_pct_m10') }} as spend_plan_share_m10,
        {{ fraction_of_percent('projects.spend_plan_pct_m12') }} as spend_plan_share_m12,
        projects.project_no,
        projects.purpose_zh,
        {{ provenance('projects') }}
    from projects
    inner join documents on projects.document_id = documents.document_id
)

select * from final
