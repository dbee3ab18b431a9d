from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, DateTime, Integer, Numeric, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from subsidy.database import Base


class SubsidyBudget(Base):
    """The money finance sets aside for one subsidy type in one year, and how much of it approvals have committed
    and payments have paid. The database holds the line: committed never exceeds the budget, paid never exceeds
    committed (an approval adds to `committed` under this row's lock)."""

    __tablename__ = "subsidy_budget"
    __table_args__ = (
        CheckConstraint("amount >= 0 AND committed >= 0 AND paid >= 0", name="not_negative"),
        CheckConstraint("committed <= amount", name="committed_within_budget"),
        CheckConstraint("paid <= committed", name="paid_within_committed"),
    )

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    subsidy_type: Mapped[str] = mapped_column(String(30), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    committed: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0.00"))
    paid: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0.00"))
    notes: Mapped[str | None] = mapped_column(Text)
    set_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    row_version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"eager_defaults": True, "version_id_col": row_version}
