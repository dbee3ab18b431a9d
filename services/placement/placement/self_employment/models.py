import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from placement.database import Base
from shared.db import Timestamps, UUIDPrimaryKey


class SelfEmployment(UUIDPrimaryKey, Timestamps, Base):
    """A person's own business (自主创业): small enterprise, workshop, shop or restaurant."""

    __tablename__ = "self_employment"

    person_id: Mapped[uuid.UUID] = mapped_column(index=True)
    jurisdiction_code: Mapped[str] = mapped_column(String(40), index=True)
    business_kind: Mapped[str] = mapped_column(String(30))
    business_name: Mapped[str] = mapped_column(String(200))
    licence_number: Mapped[str | None] = mapped_column(String(50))
    start_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="active")
    end_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}


class GuaranteedLoan(UUIDPrimaryKey, Timestamps, Base):
    """A small guaranteed loan (小额担保贷款) taken for a self-employment; the interest subsidy is computed from it."""

    __tablename__ = "guaranteed_loan"

    self_employment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("self_employment.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    lender: Mapped[str] = mapped_column(String(200))
    disbursed_on: Mapped[date] = mapped_column(Date)
    maturity_on: Mapped[date] = mapped_column(Date)
    annual_rate_percent: Mapped[Decimal] = mapped_column(Numeric(6, 4))
