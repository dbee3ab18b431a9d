import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from gateway.users.schemas import check_placement
from shared.inputs import ClientId
from shared.reference import SCOPES

EMPLOYER_CLIENT_SCOPES = frozenset({"placement:read", "placement:write", "subsidy:read", "subsidy:write"})
"""What an employer's own system may do: only placement and subsidy read the claim `emp` and limit it to it."""


class ClientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client_id: ClientId | None = Field(
        default=None, description="Omit to have one generated.", examples=["civil-affairs-relief"]
    )
    name: Annotated[str, StringConstraints(min_length=1, max_length=120, strip_whitespace=True)] = Field(
        examples=["县民政局救助系统"]
    )
    scopes: list[str] = Field(min_length=1, examples=[["registry:read"]], description=f"Any of {sorted(SCOPES)}")
    department: str | None = Field(default=None, examples=["civil_affairs"])
    jurisdiction: str | None = Field(default=None, examples=[None])
    employer_id: uuid.UUID | None = Field(
        default=None,
        description="For an employer's own system: the employer's id in the placement service. Its tokens then "
        "carry the claim `emp`, and placement and subsidy show it that employer alone. Such a client is no "
        "department's: leave department and jurisdiction empty; its scopes may only be "
        f"{sorted(EMPLOYER_CLIENT_SCOPES)}. "
        "The id is not checked here: a wrong one sees nothing.",
        examples=[None],
    )

    @field_validator("scopes")
    @classmethod
    def _known_scopes(cls, scopes: list[str]) -> list[str]:
        unknown = sorted(set(scopes) - set(SCOPES))
        if unknown:
            raise ValueError(f"unknown scope(s): {', '.join(unknown)}")
        if "admin" in scopes:
            raise ValueError("integration clients cannot have the admin scope")
        return sorted(set(scopes))

    @model_validator(mode="after")
    def _placement(self) -> "ClientCreate":
        check_placement(self.department, self.jurisdiction)
        if self.employer_id is not None:
            if self.department is not None or self.jurisdiction is not None:
                raise ValueError("an employer's system is no department's: leave department and jurisdiction empty")
            # Only placement and subsidy know what `emp` limits; another service would read the token as unlimited.
            if not set(self.scopes) <= EMPLOYER_CLIENT_SCOPES:
                raise ValueError(f"an employer's system may only have the scopes {sorted(EMPLOYER_CLIENT_SCOPES)}")
        return self


class ClientRead(BaseModel):
    id: uuid.UUID
    client_id: str = Field(examples=["civil-affairs-relief"])
    name: str
    scopes: list[str]
    department: str | None
    jurisdiction: str | None
    employer_id: uuid.UUID | None = Field(description="Set for an employer's own system (token claim `emp`).")
    is_service: bool = Field(description="One of this platform's own services.")
    disabled: bool
    created_at: datetime
    version: int


class ClientWithSecret(ClientRead):
    client_secret: str = Field(description="Shown this once: store it in the client system's secret store.")
