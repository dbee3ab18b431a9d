"""jurisdictions: the county and the 14 jurisdictions named by the notice

Revision ID: r0001
Revises:
Create Date: 2026-11-29
"""

import uuid

import sqlalchemy as sa
from alembic import op

from shared import migration_kit_v1 as kit
from shared import migration_kit_v3 as kit3

revision = "r0001"
down_revision = None
branch_labels = None
depends_on = None

# Fixed here (not imported from shared.reference) so this migration stays the same whatever the code becomes.
COUNTY = ("liucheng", "柳城县", "Liucheng County", "county", "450222")
JURISDICTIONS = [
    ("dapu", "大埔镇", "Dapu", "town"),
    ("dongquan", "东泉镇", "Dongquan", "town"),
    ("shapu", "沙埔镇", "Shapu", "town"),
    ("taiping", "太平镇", "Taiping", "town"),
    ("liutang", "六塘镇", "Liutang", "town"),
    ("fengshan", "凤山镇", "Fengshan", "town"),
    ("longtou", "龙头镇", "Longtou", "town"),
    ("zhailong", "寨隆镇", "Zhailong", "town"),
    ("chongmai", "冲脉镇", "Chongmai", "town"),
    ("mashan", "马山乡", "Mashan", "township"),
    ("shechong", "社冲乡", "Shechong", "township"),
    ("guzhai", "古砦仫佬族乡", "Guzhai Mulao Ethnic Township", "ethnic_township"),
    ("liucheng_ocez", "柳城华侨经济管理区", "Liucheng Overseas Chinese Economic Management Zone", "management_zone"),
    ("fuhu_ocez", "伏虎华侨经济管理区", "Fuhu Overseas Chinese Economic Management Zone", "management_zone"),
]


def upgrade() -> None:
    table = op.create_table(
        "jurisdiction",
        *kit3.uuid_key("jurisdiction"),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("name_zh", sa.String(60), nullable=False),
        sa.Column("name_en", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("division_code", sa.String(12), nullable=True),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        *kit.timestamps(),
        sa.ForeignKeyConstraint(["parent_id"], ["jurisdiction.id"], name="fk_jurisdiction_parent_id_jurisdiction"),
        sa.UniqueConstraint("code", name="uq_jurisdiction_code"),
        sa.CheckConstraint(
            "kind IN ('county','town','township','ethnic_township','management_zone')", name="ck_jurisdiction_kind"
        ),
    )
    kit3.create_column_indexes("jurisdiction", "parent_id")
    county_id = uuid.uuid5(uuid.NAMESPACE_URL, "qihang:jurisdiction:liucheng")
    code, zh, en, kind, division = COUNTY
    rows = [dict(id=county_id, code=code, name_zh=zh, name_en=en, kind=kind, division_code=division, parent_id=None)]
    rows += [
        dict(
            id=uuid.uuid5(uuid.NAMESPACE_URL, f"qihang:jurisdiction:{c}"),
            code=c,
            name_zh=z,
            name_en=e,
            kind=k,
            division_code=None,
            parent_id=county_id,
        )
        for c, z, e, k in JURISDICTIONS
    ]
    op.bulk_insert(table, rows)


def downgrade() -> None:
    kit3.drop_tables("jurisdiction")
