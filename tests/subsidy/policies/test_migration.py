"""Migration s0003 on a database of its own: the tiers of existing policies come through the upgrade as each policy's
enterprise placement rule, and go back through the downgrade; a superseded version becomes a draft again."""

from __future__ import annotations

import uuid

import pytest

from shared.migrations import downgrade, upgrade
from tests.migration_db import fresh_database, run

POLICY = uuid.uuid4()


@pytest.fixture
def url(pg_server_url) -> str:
    return fresh_database(pg_server_url, "subsidy_s0003")


async def test_tiers_become_the_enterprise_rule_and_come_back(url):
    upgrade("subsidy", url, "s0002")
    await run(
        url,
        """
        INSERT INTO subsidy_policy (id, year, version, title, effective_from, effective_to, status,
                                    minimum_contract_months, created_by, published_at, published_by)
        VALUES (:p, 2013, 1, '2013年度', '2013-01-01', '2013-12-31', 'published', 12, 'nco', now(), 'nco')
        """,
        p=POLICY,
    )
    await run(
        url,
        """
        INSERT INTO subsidy_policy_tier (id, policy_id, min_headcount, max_headcount, amount_cny)
        VALUES (gen_random_uuid(), :p, 50, 99, 20000), (gen_random_uuid(), :p, 1, 49, 10000.5),
               (gen_random_uuid(), :p, 100, NULL, 30000)
        """,
        p=POLICY,
    )

    upgrade("subsidy", url, "s0003")
    ((rules, row_version),) = await run(url, "SELECT rules, row_version FROM subsidy_policy")
    assert row_version == 1
    assert rules == {
        "enterprise_placement": {
            "type": "enterprise_placement",
            "method": "tiered",
            "tiers": [
                {"min_headcount": 1, "max_headcount": 49, "amount": "10000.50"},
                {"min_headcount": 50, "max_headcount": 99, "amount": "20000.00"},
                {"min_headcount": 100, "max_headcount": None, "amount": "30000.00"},
            ],
            "amount_per_person": None,
            "cap": None,
            "minimum_contract_months": 12,
            "minimum_days_in_year": 1,
            "require_designation": True,
        }
    }
    await run(
        url,
        """
        INSERT INTO subsidy_policy (id, year, version, title, effective_from, effective_to, status, rules,
                                    created_by, published_at, published_by, superseded_at, row_version)
        VALUES (gen_random_uuid(), 2013, 2, '修订', '2013-01-01', '2013-12-31', 'superseded',
                '{"tax_reduction": {"type": "tax_reduction"}}', 'nco', now(), 'nco', now(), 1)
        """,
    )

    downgrade("subsidy", url, "s0002")
    tiers = await run(url, "SELECT min_headcount, max_headcount, amount_cny FROM subsidy_policy_tier ORDER BY 1")
    assert [(t.min_headcount, t.max_headcount, str(t.amount_cny)) for t in tiers] == [
        (1, 49, "10000.50"),
        (50, 99, "20000.00"),
        (100, None, "30000.00"),
    ]
    statuses = await run(url, "SELECT version, status, minimum_contract_months FROM subsidy_policy ORDER BY version")
    assert [tuple(s) for s in statuses] == [(1, "published", 12), (2, "draft", 12)]
    upgrade("subsidy", url)


async def test_the_whole_chain_goes_down_and_up_again(url):
    upgrade("subsidy", url)
    downgrade("subsidy", url, "s0002")
    tables = await run(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
    assert "subsidy_decision" not in {t.tablename for t in tables}
    assert "subsidy_policy_tier" in {t.tablename for t in tables}
    upgrade("subsidy", url)
    tables = await run(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
    assert {"subsidy_decision", "subsidy_application", "subsidy_payment", "outbox_event"} <= {
        t.tablename for t in tables
    }
