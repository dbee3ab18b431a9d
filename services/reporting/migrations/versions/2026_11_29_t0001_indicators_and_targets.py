"""indicators of 柳城政办〔2012〕84号 with explicit version 1 definitions, and the notice's county targets

Revision ID: t0001
Revises:
Create Date: 2026-11-29
"""

import uuid
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

from shared import migration_kit_v3 as kit3

revision = "t0001"
down_revision = None
branch_labels = None
depends_on = None

NOTICE = "柳城政办〔2012〕84号"

# The notice names these figures without defining them; each definition below is this system's explicit reading.
# "Eligible" (符合条件), used by placement_rate from 2013 and by training_per_person:
ELIGIBLE_ZH = (
    "期末处于劳动年龄(年满16周岁、未达法定退休年龄)、具有劳动能力、未被羁押、"
    "且不在强制隔离戒毒所或其他戒毒康复场所内的人员"
)
ELIGIBLE_EN = (
    "people who at the end of the period are of working age (16 to the statutory retirement age), able to work, "
    "not in custody and not in a compulsory isolation detox centre or other detox or rehabilitation facility"
)

# Fixed here (not imported from the code) so this migration stays the same whatever the code becomes.
# (code, position, name_zh, name_en, unit, numerator, denominator, notes)
DEFINITIONS = [
    (
        "placement_rate",
        1,
        "就业安置率",
        "Employment placement rate",
        "percent",
        "分母所计人员中,统计期末处于就业安置状态的人数(集中安置、分散安置/推荐就业、公益性岗位、自主创业、"
        "灵活就业或政府保障安置)。 / Of the people in the denominator, those in employment placement at the end "
        "of the period (centralised placement, dispersed placement or recommended employment, public-welfare post, "
        "self-employment, flexible employment or government-guaranteed placement).",
        "统计期截至2012年12月31日及以前:期末在册参加社区戒毒、社区康复的全部人员。"
        "统计期截至2013年1月1日及以后:其中符合条件的人员,即" + ELIGIBLE_ZH + "。 / For periods ending on or "
        "before 2012-12-31: everyone in community detox or community rehabilitation on record at the end of the "
        "period. For periods ending from 2013-01-01: only the eligible among them, that is " + ELIGIBLE_EN + ".",
        NOTICE + " 二(二)1:2012年底按“参加社区戒毒、社区康复人员”计,2013年底起按“符合条件的社区戒毒、社区康复人员”计;"
        "通知未定义“符合条件”,此处给出明确口径。按统计期末时点计算。 / The notice counts everyone for 2012 and "
        "“eligible” people from 2013 without defining eligibility; this definition makes it explicit. "
        "Measured at the end of the period.",
    ),
    (
        "control_rate",
        2,
        "管控率",
        "Control rate",
        "percent",
        "统计期末在册吸毒人员中处于管控措施之下的人数:强制隔离戒毒、社区戒毒、社区康复或场所康复。 / People who "
        "use drugs on record who are under a control measure at the end of the period: compulsory isolation detox, "
        "community detox, community rehabilitation or facility-based rehabilitation.",
        "统计期末在册吸毒人员总数(不含已死亡人员)。 / People who use drugs on record at the end of the period "
        "(excluding those who have died).",
        NOTICE + " 二(二)2;管控措施取自通知中县公安局的职责(强制隔离戒毒、社区戒毒、社区康复、场所康复)。 / "
        "The control measures are those the notice lists under the county police's duties.",
    ),
    (
        "consolidation_rate",
        3,
        "戒断巩固率",
        "Abstinence-consolidation rate",
        "percent",
        "统计期末在册吸毒人员中,戒断已满三年且三年内未复吸(无阳性检测结果或其他复吸证据)的人数。 / People who use "
        "drugs on record who, at the end of the period, have been abstinent for three full years without relapse "
        "(no positive drug test or other evidence of use in those three years).",
        "统计期末在册吸毒人员总数(不含已死亡人员)。 / People who use drugs on record at the end of the period "
        "(excluding those who have died).",
        NOTICE + " 二(二)2 未规定巩固期;采用全国通行的“戒断三年未复吸”口径。 / The notice sets no consolidation "
        "period; this uses the usual national one: abstinent three years without relapse.",
    ),
    (
        "placement_points",
        4,
        "启航工程安置点数",
        "Qihang placement points",
        "count",
        "自2012年起在本县建立、统计期末仍在运行的“启航工程”企业安置点和就业安置基地的个数(集中安置社区戒毒、"
        "社区康复人员的企业或基地;示范点为柳城县鹏鑫源茧丝绸公司)。 / Qihang enterprise placement points and "
        "placement bases set up in the county since 2012 and still operating at the end of the period (enterprises "
        "or bases with centralised placement of people in community detox or rehabilitation; the demonstration "
        "point is 柳城县鹏鑫源茧丝绸公司).",
        None,
        NOTICE + " 五(一)1:从2012年起3年内全县建立3个以上;是个数,不是比率。 / Within three years from 2012 the "
        "county sets up three or more; a count, not a rate.",
    ),
    (
        "training_per_person",
        5,
        "每人每年技能培训次数",
        "Skills trainings per person per year",
        "count",
        "统计年度内每名符合条件人员参加的就业技能培训次数,逐人计数。 / The number of employment-skills trainings "
        "each eligible person attended in the calendar year, counted person by person.",
        None,
        NOTICE + " 五(一)5:社区戒毒、社区康复人员群体不大、不具备集中安置就业条件的地方,对符合条件的人员每年至少开展"
        "两次就业技能培训。适用人员:这些地方的符合条件人员,即" + ELIGIBLE_ZH + "。达标指每人全年不少于2次;"
        "报告给出未达标人数而非平均数,以免平均数掩盖未受训人员。 / Where the group is small and centralised "
        "placement is not possible, each eligible person gets at least two trainings a year. It applies to the "
        "eligible people there, that is " + ELIGIBLE_EN + ". The target is met when every such person has at least "
        "two; reports give the number below it, not an average, so an average cannot hide people never trained.",
    ),
]

# (indicator, period_end, comparator, value, clause)
TARGETS = [
    ("placement_rate", date(2012, 12, 31), ">=", Decimal("30"), "二(二)1"),
    ("placement_rate", date(2013, 12, 31), ">=", Decimal("50"), "二(二)1"),
    ("placement_rate", date(2014, 12, 31), ">=", Decimal("70"), "二(二)1"),
    ("control_rate", date(2012, 12, 31), ">=", Decimal("60"), "二(二)2"),
    ("control_rate", date(2013, 12, 31), ">=", Decimal("75"), "二(二)2"),
    ("consolidation_rate", date(2012, 12, 31), ">=", Decimal("20"), "二(二)2"),
    ("consolidation_rate", date(2013, 12, 31), ">=", Decimal("30"), "二(二)2"),
    ("placement_points", date(2014, 12, 31), ">=", Decimal("3"), "五(一)1"),
    ("training_per_person", date(2012, 12, 31), ">=", Decimal("2"), "五(一)5"),
]


def upgrade() -> None:
    indicator = op.create_table(
        "indicator",
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_indicator"),
    )
    definition = op.create_table(
        "indicator_definition",
        *kit3.uuid_key("indicator_definition"),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name_zh", sa.String(60), nullable=False),
        sa.Column("name_en", sa.String(120), nullable=False),
        sa.Column("unit", sa.String(20), nullable=False),
        sa.Column("numerator", sa.Text(), nullable=False),
        sa.Column("denominator", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["code"], ["indicator.code"], name="fk_indicator_definition_code_indicator"),
        sa.UniqueConstraint("code", "version", name="uq_indicator_definition_code_version"),
        sa.CheckConstraint("version >= 1", name="ck_indicator_definition_version_positive"),
        sa.CheckConstraint("unit IN ('percent','count')", name="ck_indicator_definition_unit"),
        sa.CheckConstraint(
            "(unit = 'percent') = (denominator IS NOT NULL)", name="ck_indicator_definition_rates_have_denominator"
        ),
    )
    kit3.create_column_indexes("indicator_definition", "code")
    target = op.create_table(
        "target",
        *kit3.uuid_key("target"),
        sa.Column("indicator_code", sa.String(40), nullable=False),
        sa.Column("definition_version", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(20), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("comparator", sa.String(2), nullable=False),
        sa.Column("value", sa.Numeric(12, 2), nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("source_clause", sa.String(40), nullable=True),
        sa.ForeignKeyConstraint(
            ["indicator_code", "definition_version"],
            ["indicator_definition.code", "indicator_definition.version"],
            name="fk_target_indicator_code_indicator_definition",
        ),
        sa.UniqueConstraint("indicator_code", "scope", "period_end", name="uq_target_indicator_code_scope_period_end"),
        sa.CheckConstraint("comparator IN ('>=','<=')", name="ck_target_comparator"),
        sa.CheckConstraint("value >= 0", name="ck_target_value_not_negative"),
    )

    op.bulk_insert(indicator, [{"code": row[0], "position": row[1]} for row in DEFINITIONS])
    op.bulk_insert(
        definition,
        [
            dict(
                id=uuid.uuid5(uuid.NAMESPACE_URL, f"qihang:indicator_definition:{code}:1"),
                code=code,
                version=1,
                name_zh=name_zh,
                name_en=name_en,
                unit=unit,
                numerator=numerator,
                denominator=denominator,
                notes=notes,
            )
            for code, _position, name_zh, name_en, unit, numerator, denominator, notes in DEFINITIONS
        ],
    )
    op.bulk_insert(
        target,
        [
            dict(
                id=uuid.uuid5(uuid.NAMESPACE_URL, f"qihang:target:{code}:county:{period_end.isoformat()}"),
                indicator_code=code,
                definition_version=1,
                scope="county",
                period_end=period_end,
                comparator=comparator,
                value=value,
                source=NOTICE,
                source_clause=clause,
            )
            for code, period_end, comparator, value, clause in TARGETS
        ],
    )


def downgrade() -> None:
    kit3.drop_tables("target", "indicator_definition", "indicator")
