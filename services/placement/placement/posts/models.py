import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import ARRAY, Boolean, Date, ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from placement.database import Base
from shared.db import Timestamps, UUIDPrimaryKey


class JobPost(UUIDPrimaryKey, Timestamps, Base):
    """A vacancy (岗位) an employer offers to people in community detox and rehabilitation."""

    __tablename__ = "job_post"

    employer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("employer.id"), index=True)
    # The employer's, copied at creation so township lists need no join.
    jurisdiction_code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(100))
    sector: Mapped[str] = mapped_column(String(60))
    headcount: Mapped[int] = mapped_column(Integer)
    filled: Mapped[int] = mapped_column(Integer, default=0)
    monthly_wage: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    contract_type: Mapped[str] = mapped_column(String(20))
    working_pattern: Mapped[str] = mapped_column(String(20))
    light_work: Mapped[bool] = mapped_column(Boolean, default=False)
    required_skills: Mapped[list[str]] = mapped_column(ARRAY(String(50)), default=list)
    is_public_welfare: Mapped[bool] = mapped_column(Boolean, default=False)
    funding_source: Mapped[str | None] = mapped_column(String(100))
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10))
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}
