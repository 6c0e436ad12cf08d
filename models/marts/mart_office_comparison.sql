-- Each office's figures against its peers, in the same fiscal year and kind of disclosure: the offices of the
-- same division (district, city, province) and the offices of the same type (dim_office.office_type) within
-- the province and nationally. The office itself is one of its peers. Where an office and its division come
-- from is dim_office's (one place per office, whatever year). A group of one office is no peer group: it
-- gives no row, so every row has at least one other office to compare with. An office whose division (or
-- type) is unknown is left out of the groups that need it.

with

metrics as (
    select * from {{ ref('int_office_year_metrics') }}
),

offices as (
    select office_id, district, city, province, office_type from {{ ref('dim_office') }}
),

placed as (
    select metrics.*, offices.district, offices.city, offices.province, offices.office_type
    from metrics
    inner join offices on metrics.office_id = offices.office_id
),

peer_members as (
    -- peer_key identifies the group (a district name alone is not unique: 上海 and 舟山 both have a 普陀区)
    select 'district' as peer_group_type, district as peer_group, cast(null as varchar) as peer_office_type,
        concat_ws('|', province, city, district) as peer_key, *
    from placed
    where district is not null

    union all
    select 'city', city, null, concat_ws('|', province, city), *
    from placed
    where city is not null

    union all
    select 'province', province, null, province, *
    from placed
    where province is not null

    union all
    select 'office_type_in_province', province, office_type, concat_ws('|', province, office_type), *
    from placed
    where province is not null and office_type is not null

    union all
    select 'office_type_national', '全国', office_type, office_type, *
    from placed
    where office_type is not null
),

windowed as (
    select
        *,
        count(*) over peers as peer_count,
        rank() over (peers order by amount_yuan desc) as rank_in_peer,
        sum(amount_yuan) over peers as peer_total_yuan,
        -- one more decimal place, so the midpoint of an even group is exact (DuckDB's median keeps the
        -- input's scale and would drop the half fen); rounded half-up to the fen below
        median(cast(amount_yuan as decimal(18, 3))) over peers as peer_median_exact
    from peer_members
    window peers as (partition by peer_group_type, peer_key, fiscal_year, doc_kind, metric)
),

final as (
    select
        office_id,
        {{ office_columns('windowed.office_id') }},
        fiscal_year,
        metric,
        {{ label_zh('metric', 'windowed') }},
        amount_yuan,
        peer_group_type,
        {{ label_zh('peer_group_type', 'windowed') }},
        peer_group,
        peer_office_type,
        cast(peer_count as integer) as peer_count,
        cast(rank_in_peer as integer) as rank_in_peer,
        cast(round(amount_yuan / nullif(peer_total_yuan, 0), 6) as decimal(12, 6)) as share_of_peer_total,
        cast(round(peer_median_exact, 2) as decimal(18, 2)) as peer_median_yuan,
        cast(round(amount_yuan / nullif(peer_median_exact, 0), 4) as decimal(18, 4)) as ratio_to_peer_median,
        doc_kind,
        {{ label_zh('doc_kind', 'windowed') }},
        document_id,
        cast(peer_total_yuan as decimal(18, 2)) as peer_total_yuan
    from windowed
    where peer_count > 1  -- a group of one is no peer group
)

select * from final
