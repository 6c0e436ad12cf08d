with

costs as (
    select * from {{ ref('stg_budget__three_public_costs') }}
),

documents as (
    -- facts of the latest version only; dim_document keeps the history
    select * from {{ ref('int_documents__offices') }}
    where is_latest_version
),

final as (
    select
        costs.document_id,
        documents.office_id,
        {{ office_columns('documents.office_id') }},
        documents.fiscal_year,
        documents.doc_kind,
        {{ label_zh('doc_kind', 'documents') }},
        costs.category,
        {{ label_zh('category', 'costs') }},
        costs.amount_yuan,
        costs.change_yuan,
        cast(coalesce(costs.prior_year_yuan, costs.amount_yuan - costs.change_yuan) as decimal(18, 2))
            as prior_year_amount_yuan,
        costs.change_reason_zh,
        costs.category_zh as label_zh,  -- as printed; category_zh is the code's name (code_labels)
        {{ provenance('costs') }}
    from costs
    inner join documents
        on costs.document_id = documents.document_id
        -- the document's main figure (a 决算's 决算数): the budget figures it prints are in mart_budget_execution
        and costs.measure = {{ main_measure('documents.doc_kind') }}
)

select * from final
