-- One row per office (office_id: int_documents__offices, from the canonical name an accepted alias gives, else
-- the printed name in Simplified). Attributes come from the office's most recent document that gives them.

with

documents as (
    select * from {{ ref('int_documents__offices') }}
),

final as (
    select
        office_id,
        first(office_name order by fiscal_year desc, loaded_at desc) as office_name,
        first(canonical_name) as canonical_name,
        -- the latest name as compared (Simplified): what the office types' patterns are matched against
        first(office_name_compared order by fiscal_year desc, loaded_at desc) as office_name_compared,
        first(unit_code order by fiscal_year desc, loaded_at desc)
            filter (where unit_code is not null) as unit_code,
        first(unit_full_name order by fiscal_year desc, loaded_at desc)
            filter (where unit_full_name is not null) as unit_full_name,
        first(district order by fiscal_year desc, loaded_at desc)
            filter (where district is not null) as district,
        first(city order by fiscal_year desc, loaded_at desc)
            filter (where city is not null) as city,
        first(province order by fiscal_year desc, loaded_at desc)
            filter (where province is not null) as province,
        first(adcode order by fiscal_year desc, loaded_at desc)
            filter (where adcode is not null) as adcode,
        first(admin_level order by fiscal_year desc, loaded_at desc)
            filter (where admin_level is not null) as admin_level,
        cast(min(fiscal_year) as integer) as first_fiscal_year,
        cast(max(fiscal_year) as integer) as last_fiscal_year,
        cast(count(*) filter (where is_latest_version) as integer) as document_count
    from documents
    group by office_id
),

office_types as (
    select * from {{ ref('office_types') }}
),

typed as (
    -- the first pattern (by priority) the office's name matches
    select
        final.office_id,
        arg_min(office_types.office_type, office_types.priority) as office_type,
        arg_min(office_types.office_type_zh, office_types.priority) as office_type_zh
    from final
    inner join office_types on regexp_matches(final.office_name_compared, office_types.pattern)
    group by final.office_id
)

select
    final.* exclude (office_name_compared, canonical_name),
    {{ label_zh('admin_level', 'final') }},
    typed.office_type,
    typed.office_type_zh,
    final.canonical_name
from final
left join typed on final.office_id = typed.office_id
