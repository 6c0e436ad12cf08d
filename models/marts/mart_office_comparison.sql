-- Each office's figures against its peers: the offices of the same district, and of the same city, in the
-- same fiscal year and kind of disclosure. The office itself is one of its peers. Offices whose district
-- (or city) is unknown are left out of that peer group.

with

metrics as (
    select * from {{ ref('int_office_year_metrics') }}
),

peer_members as (
    select 'district' as peer_group_type, district as peer_group, * exclude (district, city)
    from metrics
    where district is not null

    union all
    select 'city' as peer_group_type, city as peer_group, * exclude (district, city)
    from metrics
    where city is not null
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
    window peers as (partition by peer_group_type, peer_group, fiscal_year, doc_kind, metric)
),

final as (
    select
        office_id,
        fiscal_year,
        metric,
        amount_yuan,
        peer_group_type,
        peer_group,
        cast(peer_count as integer) as peer_count,
        cast(rank_in_peer as integer) as rank_in_peer,
        cast(round(amount_yuan / nullif(peer_total_yuan, 0), 6) as decimal(12, 6)) as share_of_peer_total,
        cast(round(peer_median_exact, 2) as decimal(18, 2)) as peer_median_yuan,
        cast(round(amount_yuan / nullif(peer_median_exact, 0), 4) as decimal(18, 4)) as ratio_to_peer_median,
        doc_kind,
        document_id,
        cast(peer_total_yuan as decimal(18, 2)) as peer_total_yuan
    from windowed
)

select * from final
