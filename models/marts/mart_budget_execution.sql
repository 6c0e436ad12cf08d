-- Budget execution: per office, fiscal year and metric, what the office's final accounts (决算) say was spent
-- (决算数) against what was budgeted. The budget figure comes from the office's own budget document of that
-- year (budget_document), from the 预算数 / 年初预算数 the 决算 prints beside its figure (final_accounts), or
-- both; with both, the budget document's figure is used and budget_sources_differ says whether they
-- disagree. execution_rate = final / budget (1.0000 is 100 %), null where the budget is 0 or unknown.
-- One row per metric the 决算 gives a 决算数 for (the office-year documents: latest versions, 部门 before 单位).

with

documents as (
    select * from {{ ref('int_documents__offices') }}
    where is_office_year_document  -- one document per office, year and kind (部门 before 单位)
),

metrics as (
    select
        documents.office_id,
        documents.fiscal_year,
        documents.doc_kind,
        metrics.document_id,
        metrics.metric,
        metrics.measure,
        metrics.amount_yuan
    from {{ ref('int_document_metrics') }} as metrics
    inner join documents on metrics.document_id = documents.document_id
    where metrics.metric in (
        'total_revenue', 'total_expenditure', 'basic', 'project', 'personnel', 'public_operating',
        'operating_expense', 'three_public', 'overseas_travel', 'vehicle_purchase', 'vehicle_operation',
        'vehicle_purchase_and_operation', 'official_reception'
    )
),

finals as (
    select office_id, fiscal_year, metric, document_id as final_document_id, amount_yuan as final_yuan
    from metrics
    where doc_kind = 'final_accounts' and measure = 'final'
),

printed_budgets as (
    select
        office_id,
        fiscal_year,
        metric,
        max(amount_yuan) filter (where measure = 'budget') as printed_budget_yuan,
        max(amount_yuan) filter (where measure = 'adjusted_budget') as adjusted_budget_yuan
    from metrics
    where doc_kind = 'final_accounts'
    group by office_id, fiscal_year, metric
),

budget_documents as (
    select office_id, fiscal_year, metric, document_id as budget_document_id, amount_yuan as budget_document_yuan
    from metrics
    where doc_kind = 'budget' and measure = 'budget'
),

joined as (
    select
        finals.*,
        budget_documents.budget_document_id,
        budget_documents.budget_document_yuan,
        printed_budgets.printed_budget_yuan,
        printed_budgets.adjusted_budget_yuan,
        coalesce(budget_documents.budget_document_yuan, printed_budgets.printed_budget_yuan) as budget_yuan
    from finals
    left join budget_documents
        on finals.office_id = budget_documents.office_id
        and finals.fiscal_year = budget_documents.fiscal_year
        and finals.metric = budget_documents.metric
    left join printed_budgets
        on finals.office_id = printed_budgets.office_id
        and finals.fiscal_year = printed_budgets.fiscal_year
        and finals.metric = printed_budgets.metric
),

final as (
    select
        office_id,
        {{ office_columns('joined.office_id') }},
        fiscal_year,
        metric,
        {{ label_zh('metric', 'joined') }},
        cast(budget_yuan as decimal(18, 2)) as budget_yuan,
        cast(final_yuan as decimal(18, 2)) as final_yuan,
        cast(final_yuan - budget_yuan as decimal(18, 2)) as difference_yuan,
        cast(round(final_yuan / nullif(budget_yuan, 0), 4) as decimal(18, 4)) as execution_rate,
        case
            when budget_document_yuan is not null and printed_budget_yuan is not null then 'both'
            when budget_document_yuan is not null then 'budget_document'
            when printed_budget_yuan is not null then 'final_accounts'
        end as budget_source,
        case
            when budget_document_yuan is not null and printed_budget_yuan is not null
                then budget_document_yuan <> printed_budget_yuan
        end as budget_sources_differ,
        cast(budget_document_yuan as decimal(18, 2)) as budget_document_yuan,
        cast(printed_budget_yuan as decimal(18, 2)) as printed_budget_yuan,
        cast(adjusted_budget_yuan as decimal(18, 2)) as adjusted_budget_yuan,
        final_document_id,
        budget_document_id
    from joined
)

select final.*, {{ label_zh('budget_source', 'final') }}
from final
