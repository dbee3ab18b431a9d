import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from shared.reference import DEPARTMENTS, JURISDICTIONS, ROLES

Role = Literal["admin", "staff", "viewer", "auditor"]
Username = Annotated[str, StringConstraints(min_length=3, max_length=64, pattern=r"^[a-z0-9][a-z0-9._-]*$")]
Password = Annotated[str, StringConstraints(min_length=10, max_length=256)]
DisplayName = Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]


def check_placement(department: str | None, jurisdiction: str | None) -> None:
    """Township offices work in one jurisdiction; county departments county-wide."""
    if department is not None and department not in DEPARTMENTS:
        raise ValueError(f"department must be one of: {', '.join(DEPARTMENTS)}")
    if jurisdiction is not None and jurisdiction not in JURISDICTIONS:
        raise ValueError(f"jurisdiction must be one of: {', '.join(JURISDICTIONS)}")
    if department == "township" and jurisdiction is None:
        raise ValueError("township staff need a jurisdiction")
    if department not in (None, "township") and jurisdiction is not None:
        raise ValueError("county departments work county-wide: leave jurisdiction empty")


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Username = Field(description="Log-in name: lower-case letters, digits, . _ -", examples=["dapu.li"])
    display_name: DisplayName = Field(examples=["李明"])
    password: Password | None = Field(
        default=None,
        description="Initial password (at least 10 characters). Omit to have one generated and returned once.",
    )
    roles: list[Role] = Field(min_length=1, max_length=4, examples=[["staff"]], description=f"Any of {list(ROLES)}")
    department: str = Field(description="Department code (see /api/v1/auth/reference).", examples=["township"])
    jurisdiction: str | None = Field(
        default=None, description="Jurisdiction code for township staff; empty for county-wide.", examples=["dapu"]
    )

    @model_validator(mode="after")
    def _placement(self) -> "UserCreate":
        check_placement(self.department, self.jurisdiction)
        return self


class UserUpdate(BaseModel):
    """Change what is given; send the ETag of your last read as If-Match."""

    model_config = ConfigDict(extra="forbid")

    display_name: DisplayName | None = None
    roles: list[Role] | None = Field(default=None, min_length=1, max_length=4)
    department: str | None = None
    jurisdiction: str | None = None


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    username: str = Field(examples=["dapu.li"])
    display_name: str = Field(examples=["李明"])
    roles: list[str] = Field(examples=[["staff"]])
    department: str = Field(examples=["township"])
    jurisdiction: str | None = Field(examples=["dapu"])
    disabled: bool
    locked: bool
    must_change_password: bool
    created_at: datetime
    updated_at: datetime
    version: int


class UserCreated(UserRead):
    generated_password: str | None = Field(
        default=None, description="Only when no password was given: shown this once, never again."
    )


class PasswordReset(BaseModel):
    model_config = ConfigDict(extra="forbid")

    new_password: Password | None = Field(default=None, description="Omit to have one generated and returned once.")


class PasswordResetResult(BaseModel):
    generated_password: str | None = None
    must_change_password: bool = True
