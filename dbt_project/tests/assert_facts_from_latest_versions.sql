-- 每个部门每年度每类每种范围（部门/单位）的文件恰有一个最新版本，事实表只含最新版本的数字 /
-- Exactly one latest version per office, fiscal year, kind and scope (a 部门预算 and a 单位预算 are
-- different documents), and the fact tables hold figures of the latest versions only (a superseded
-- document keeps its row in dim_document, never in the facts).

with

documents as (
    select * from {{ ref('dim_document') }}
),

latest_counts as (
    select office_id, fiscal_year, doc_kind, scope, count(*) filter (where is_latest_version) as latest
    from documents
    group by all
    having latest <> 1
),

fact_documents as (
    select document_id, 'fct_revenue' as fact_table from {{ ref('fct_revenue') }}
    union all select document_id, 'fct_expenditure' from {{ ref('fct_expenditure') }}
    union all select document_id, 'fct_operating_expense' from {{ ref('fct_operating_expense') }}
    union all select document_id, 'fct_three_public_cost' from {{ ref('fct_three_public_cost') }}
    union all select document_id, 'fct_project' from {{ ref('fct_project') }}
    union all select document_id, 'fct_project_indicator' from {{ ref('fct_project_indicator') }}
    union all select document_id, 'fct_asset' from {{ ref('fct_asset') }}
    union all select document_id, 'fct_expenditure_by_function' from {{ ref('fct_expenditure_by_function') }}
    union all select document_id, 'fct_expenditure_by_economic' from {{ ref('fct_expenditure_by_economic') }}
    union all select document_id, 'mart_office_year' from {{ ref('mart_office_year') }}
)

select office_id || ' ' || fiscal_year || ' ' || doc_kind || ': ' || latest || ' latest versions' as problem
from latest_counts

union all

select distinct fact_documents.fact_table || ' holds superseded document ' || fact_documents.document_id
from fact_documents
inner join documents on fact_documents.document_id = documents.document_id
where not documents.is_latest_version
