"""budget_etl.analyst.studies: what the notebooks share. On real documents only, every mart keeps the rows of
real documents, and a peer group is kept only when every member of it is real (its ranks and medians count every
member)."""

from __future__ import annotations

import duckdb

from budget_etl.analyst import studies


def small_warehouse(path):
    """Three documents: two real offices and a synthetic one in district A, the two real ones alone in city B."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.dim_document as select * from (values "
                    "('d1', 'o1', false), ('d2', 'o2', false), ('d3', 'o3', true)) t(document_id, office_id, "
                    "is_synthetic)")
        con.execute("create table marts.dim_office as select * from (values ('o1', '甲'), ('o2', '乙'), ('o3', '丙')) "
                    "t(office_id, office_name)")
        con.execute("""create table marts.mart_office_comparison as select * from (values
            ('o1', 'd1', 'district', 'A', null, 2023, 'budget', 3),
            ('o2', 'd2', 'district', 'A', null, 2023, 'budget', 3),
            ('o3', 'd3', 'district', 'A', null, 2023, 'budget', 3),
            ('o1', 'd1', 'city', 'B', null, 2023, 'budget', 2),
            ('o2', 'd2', 'city', 'B', null, 2023, 'budget', 2),
            ('o1', 'd1', 'office_type_national', '全国', 'street_office', 2023, 'budget', 2),
            ('o3', 'd3', 'office_type_national', '全国', 'street_office', 2023, 'budget', 2))
            t(office_id, document_id, peer_group_type, peer_group, peer_office_type, fiscal_year, doc_kind,
              peer_count)""")
        con.execute("create table marts.office_types as select 'street_office' as office_type")  # no document column


def test_real_only_keeps_real_rows_and_whole_real_peer_groups(tmp_path):
    path = tmp_path / "w.duckdb"
    small_warehouse(path)
    con = studies.connect(path, real_only=True)
    assert con.execute("select document_id from marts.dim_document order by 1").fetchall() == [("d1",), ("d2",)]
    assert con.execute("select office_id from marts.dim_office order by 1").fetchall() == [("o1",), ("o2",)]
    # district A counts the synthetic office: left out, not shown with a rank of 3 among 2 real offices
    assert con.execute("select peer_group_type, peer_group, office_id from marts.mart_office_comparison "
                       "order by all").fetchall() == [("city", "B", "o1"), ("city", "B", "o2")]
    assert con.execute("select count(*) from marts.office_types").fetchall() == [(1,)]
    assert "2 documents (real documents only): 2 real, 0 synthetic" in studies.data_note(con)

    every = studies.connect(path, real_only=False)
    assert every.execute("select count(*) from marts.mart_office_comparison").fetchall() == [(7,)]
    note = studies.data_note(every)
    assert "3 documents (every document): 2 real, 1 synthetic" in note and "**1 of the 3 documents are synthetic**" in note


def test_real_only_is_read_from_the_environment(tmp_path, monkeypatch):
    path = tmp_path / "w.duckdb"
    small_warehouse(path)
    monkeypatch.setenv(studies.REAL_ONLY_ENV, "1")
    assert studies.connect(path).execute("select count(*) from marts.dim_document").fetchall() == [(2,)]
    monkeypatch.setenv(studies.REAL_ONLY_ENV, "0")
    assert studies.connect(path).execute("select count(*) from marts.dim_document").fetchall() == [(3,)]
