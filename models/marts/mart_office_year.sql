-- One row per office, fiscal year and kind of disclosure, from the latest version of the document.
-- Totals are the document's stated totals where it states them, else the sums of their parts.

with

documents as (
    select * from {{ ref('int_documents__offices') }}
    where is_office_year_document  -- one document per office, year and kind (部门 before 单位)
),

metrics as (
    select * from {{ ref('int_document_metrics') }}
    where is_main_measure  -- a 决算's 决算数; the budget figures it prints are in mart_budget_execution
),

projects as (
    select * from {{ ref('stg_budget__projects') }}
),

indicators as (
    select * from {{ ref('stg_budget__project_indicators') }}
),

pivoted as (
    select
        document_id,
        max(amount_yuan) filter (where metric = 'total_revenue') as total_revenue_yuan,
        max(amount_yuan) filter (where metric = 'total_expenditure') as total_expenditure_yuan,
        max(amount_yuan) filter (where metric = 'basic') as basic_yuan,
        max(amount_yuan) filter (where metric = 'personnel') as personnel_yuan,
        max(amount_yuan) filter (where metric = 'public_operating') as public_operating_yuan,
        max(amount_yuan) filter (where metric = 'project') as project_yuan,
        max(amount_yuan) filter (where metric = 'operating_expense') as operating_expense_yuan,
        max(amount_yuan) filter (where metric = 'three_public') as three_public_yuan,
        max(amount_yuan) filter (where metric = 'fixed_assets') as fixed_assets_yuan,
        max(amount_yuan) filter (where metric = 'performance_funds') as performance_funds_yuan,
        max(stated_count) filter (where metric = 'performance_project_count') as performance_project_count,
        max(stated_count) filter (where metric = 'vehicle_count') as vehicle_count,
        max(stated_count) filter (where metric = 'equipment_over_threshold_count') as equipment_over_threshold_count,
        max(threshold_yuan) filter (where metric = 'equipment_over_threshold_count') as equipment_threshold_yuan
    from metrics
    group by document_id
),

project_counts as (
    select document_id, count(*) as project_count
    from projects
    group by document_id
),

indicator_counts as (
    select document_id, count(*) as indicator_count
    from indicators
    group by document_id
),

joined as (
    select
        documents.office_id,
        documents.fiscal_year,
        documents.doc_kind,
        documents.document_id,
        documents.is_synthetic,
        pivoted.* exclude (document_id),
        coalesce(project_counts.project_count, 0) as project_count,
        coalesce(indicator_counts.indicator_count, 0) as indicator_count
    from documents
    left join pivoted on documents.document_id = pivoted.document_id
    left join project_counts on documents.document_id = project_counts.document_id
    left join indicator_counts on documents.document_id = indicator_counts.document_id
),

final as (
    select
        office_id,
        {{ office_columns('joined.office_id') }},
        fiscal_year,
        doc_kind,
        {{ label_zh('doc_kind', 'joined') }},
        total_revenue_yuan,
        total_expenditure_yuan,
        basic_yuan,
        personnel_yuan,
        public_operating_yuan,
        project_yuan,
        operating_expense_yuan,
        three_public_yuan,
        cast(project_count as integer) as project_count,
        cast(indicator_count as integer) as indicator_count,
        fixed_assets_yuan,
        performance_funds_yuan,
        cast(performance_project_count as integer) as performance_project_count,
        cast(vehicle_count as integer) as vehicle_count,
        cast(equipment_over_threshold_count as integer) as equipment_over_threshold_count,
        equipment_threshold_yuan,
        cast(round(personnel_yuan / nullif(basic_yuan, 0), 6) as decimal(12, 6))
            as personnel_share_of_basic,
        cast(round(project_yuan / nullif(total_expenditure_yuan, 0), 6) as decimal(12, 6))
            as project_share_of_total,
        cast(round(three_public_yuan * 10000 / nullif(total_expenditure_yuan, 0), 4) as decimal(18, 4))
            as three_public_per_10k_yuan,
        document_id,
        is_synthetic
    from joined
)

select * from final
