from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reporting.database import Base
from shared.db import UUIDPrimaryKey


class IndicatorDefinition(UUIDPrimaryKey, Base):
    """One numbered version of what an indicator counts. Versions are added, never edited, so every figure can
    name the definition it was computed with."""

    __tablename__ = "indicator_definition"
    __table_args__ = (UniqueConstraint("code", "version", name="uq_indicator_definition_code_version"),)

    code: Mapped[str] = mapped_column(ForeignKey("indicator.code"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name_zh: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(120))
    unit: Mapped[str] = mapped_column(String(20))
    numerator: Mapped[str] = mapped_column(Text)
    denominator: Mapped[str | None] = mapped_column(Text)
    """None for counts, which have no denominator."""
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Indicator(Base):
    """An indicator the notice names; what it means lives in its definitions."""

    __tablename__ = "indicator"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    """Order of the notice."""
    definitions: Mapped[list[IndicatorDefinition]] = relationship(
        order_by=IndicatorDefinition.version.desc(), lazy="selectin"
    )


class Target(UUIDPrimaryKey, Base):
    """A value required of an indicator by a date, measured under one definition version: the notice's (origin
    `notice`, for the county and by default for every jurisdiction) or a county override (origin `override`, for the
    county or one jurisdiction: `scope` is `county` or a jurisdiction code)."""

    __tablename__ = "target"
    __table_args__ = (
        ForeignKeyConstraint(
            ["indicator_code", "definition_version"],
            ["indicator_definition.code", "indicator_definition.version"],
            name="fk_target_indicator_code_indicator_definition",
        ),
        UniqueConstraint(
            "indicator_code", "scope", "period_end", "origin", name="uq_target_indicator_code_scope_period_end_origin"
        ),
    )

    indicator_code: Mapped[str] = mapped_column(String(40))
    definition_version: Mapped[int] = mapped_column(Integer)
    scope: Mapped[str] = mapped_column(String(20))
    period_end: Mapped[date] = mapped_column(Date)
    comparator: Mapped[str] = mapped_column(String(2))
    value: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    source: Mapped[str] = mapped_column(String(100))
    source_clause: Mapped[str | None] = mapped_column(String(40))
    origin: Mapped[str] = mapped_column(String(10), default="notice")
    reason: Mapped[str | None] = mapped_column(String(500))
    set_by: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    definition: Mapped[IndicatorDefinition] = relationship(lazy="joined")
