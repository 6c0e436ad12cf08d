-- Every name an office printed, by fiscal year: a renamed office (once its alias is accepted in the seed
-- office_aliases) keeps all its names under one office_id, each with the years it was printed; a Traditional
-- spelling is a name of its own here, of the same office. Names as printed; every version of every document.

with

documents as (
    select * from {{ ref('int_documents__offices') }}
),

final as (
    select
        office_id,
        fiscal_year,
        office_name,
        cast(count(*) as integer) as document_count
    from documents
    group by office_id, fiscal_year, office_name
)

select * from final
