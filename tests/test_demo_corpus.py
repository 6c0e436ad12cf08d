"""The bundled demo corpus gives real comparisons; expectations computed by hand from its gold files.

Office 琰骞区溦蒨街道办事处 (ingest/demo/o0001), budget 2022, total expenditure 1799032.61 yuan.
District 琰骞区 in 2022: o0001 1799032.61, o0004 2648921.87, o0007 2570401.01
  -> total 7018355.49, median 2570401.01, o0001 ranks 3rd of 3,
     share 1799032.61 / 7018355.49 = 0.256333, ratio to median 1799032.61 / 2570401.01 = 0.6999.
City 鹓翀市 in 2022 adds 昶蕤区: o0002 2999856.18, o0005 3454760.84, o0008 3891997.14
  -> total 17364969.65, median (2648921.87 + 2999856.18) / 2 = 2824389.025 -> 2824389.03 (half-up),
     o0001 ranks 6th of 6, share 0.103601, ratio 1799032.61 / 2824389.025 = 0.6370.
Its stated change on 2021 is +13509.04, so the stated prior is 1785523.57, which is exactly the 2021
document's total: prior_source both, match true, change 0.7566 %.
Office 昶蕤区棽蒨街道办事处 (o0008) 2022 carries a planted slip: 公务用车运行维护费 is 7600.00 with a stated
change of 900.00, so the stated prior is 6700.00, while its 2021 document says 7400.00 (a change of 200.00).
"""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

pytestmark = pytest.mark.slow


def query(warehouse, sql: str, params: list) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params).fetchall()


def test_comparison_within_district_and_city(bundled_warehouse):
    rows = query(bundled_warehouse, """
        select peer_group_type, peer_group, peer_count, rank_in_peer, share_of_peer_total, peer_median_yuan,
               ratio_to_peer_median, peer_total_yuan
        from marts.mart_office_comparison  -- every mart names its office: no join
        where office_name = ? and fiscal_year = 2022 and metric = 'total_expenditure'
          and peer_group_type in ('district', 'city')
        order by peer_group_type desc""", ["琰骞区溦蒨街道办事处"])
    assert rows == [
        ("district", "琰骞区", 3, 3, Decimal("0.256333"), Decimal("2570401.01"), Decimal("0.6999"),
         Decimal("7018355.49")),
        ("city", "鹓翀市", 6, 6, Decimal("0.103601"), Decimal("2824389.03"), Decimal("0.6370"),
         Decimal("17364969.65")),
    ]


def test_year_on_year_agrees_with_the_prior_document(bundled_warehouse):
    rows = query(bundled_warehouse, """
        select amount_yuan, prior_amount_yuan, change_yuan, change_rate, prior_source, stated_matches_prior_document
        from marts.mart_yoy
        where office_name = ? and fiscal_year = 2022 and metric = 'total_expenditure'""",
        ["琰骞区溦蒨街道办事处"])
    assert rows == [(Decimal("1799032.61"), Decimal("1785523.57"), Decimal("13509.04"), Decimal("0.007566"),
                     "both", True)]


def test_a_wrong_stated_change_is_flagged(bundled_warehouse):
    rows = query(bundled_warehouse, """
        select fiscal_year, metric, stated_prior_yuan, prior_document_yuan
        from marts.mart_yoy
        where office_name = ? and stated_matches_prior_document = false""", ["昶蕤区棽蒨街道办事处"])
    assert rows == [(2022, "vehicle_operation", Decimal("6700.00"), Decimal("7400.00"))]


def test_only_xiguan_is_real(bundled_warehouse):
    rows = query(bundled_warehouse, "select office_name from marts.dim_document where not is_synthetic", [])
    assert rows == [("山海关区西关街道办事处",)]
