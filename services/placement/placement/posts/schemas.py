import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer, StringConstraints, model_validator

ContractType = Literal["fixed_term", "open_ended", "task_based", "part_time"]
WorkingPattern = Literal["full_time", "part_time", "seasonal"]
PostStatus = Literal["draft", "open", "closed", "filled"]
SettableStatus = Literal["draft", "open", "closed"]

CONTRACT_TYPE_LABELS_ZH: dict[str, str] = {
    "fixed_term": "固定期限劳动合同",
    "open_ended": "无固定期限劳动合同",
    "task_based": "以完成一定工作任务为期限的劳动合同",
    "part_time": "非全日制用工",
}
WORKING_PATTERN_LABELS_ZH: dict[str, str] = {"full_time": "全日制", "part_time": "非全日制", "seasonal": "季节性"}
STATUS_LABELS_ZH: dict[str, str] = {"draft": "草稿", "open": "招聘中", "closed": "已关闭", "filled": "已满员"}

NULLABLE_FIELDS = frozenset({"funding_source", "closes_on"})
Skill = Annotated[str, StringConstraints(min_length=1, max_length=50, strip_whitespace=True)]
Text100 = Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]
CENT = Decimal("0.01")
# Yuan with two places, in and out ("2200.00"), as money is everywhere in the API.
Wage = Annotated[
    Decimal,
    Field(ge=0, max_digits=10, decimal_places=2),
    AfterValidator(lambda value: value.quantize(CENT)),
    PlainSerializer(lambda value: f"{value:.2f}", return_type=str, when_used="json"),
]
WageOut = Annotated[Decimal, PlainSerializer(lambda value: f"{value:.2f}", return_type=str, when_used="json")]


class _PostFields(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="after")
    def _consistent(self):
        welfare = getattr(self, "is_public_welfare", None)
        funding = getattr(self, "funding_source", None)
        if welfare is True and not funding:
            raise ValueError("a public-welfare post (公益性岗位) needs its funding_source")
        if welfare is False and funding:
            raise ValueError("funding_source is only for public-welfare posts")
        opens, closes = getattr(self, "opens_on", None), getattr(self, "closes_on", None)
        if opens is not None and closes is not None and closes < opens:
            raise ValueError("closes_on must not be before opens_on")
        return self


class JobPostCreate(_PostFields):
    """Publish a job post (or keep it as a draft). Township staff only for employers in their jurisdiction; an
    employer's client only for its own employer."""

    employer_id: uuid.UUID = Field(
        description="The employer offering the post.", examples=["3f0e8a52-7c1d-4f7e-9d7b-2a4c5e6f7a8b"]
    )
    title: Text100 = Field(description="Job title.", examples=["缫丝工"])
    sector: Annotated[str, StringConstraints(min_length=1, max_length=60, strip_whitespace=True)] = Field(
        description="Trade or industry.", examples=["茧丝绸加工"]
    )
    headcount: int = Field(ge=1, le=10000, description="Places offered; never exceeded by placements.", examples=[3])
    monthly_wage: Wage = Field(description="Monthly wage in yuan (CNY), two places.", examples=["2200.00"])
    contract_type: ContractType = Field(
        description="fixed_term 固定期限, open_ended 无固定期限, task_based 以完成一定工作任务为期限, "
        "part_time 非全日制用工.",
        examples=["fixed_term"],
    )
    working_pattern: WorkingPattern = Field(
        description="full_time 全日制, part_time 非全日制, seasonal 季节性.", examples=["full_time"]
    )
    light_work: bool = Field(
        default=False,
        description="Light work (轻体力) a person who has partly lost the ability to work can do.",
        examples=[False],
    )
    required_skills: list[Skill] = Field(
        default_factory=list,
        max_length=30,
        description="Skills wanted (matched against people's skills).",
        examples=[["缫丝"]],
    )
    is_public_welfare: bool = Field(default=False, description="A public-welfare post (公益性岗位).", examples=[False])
    funding_source: Text100 | None = Field(
        default=None,
        description="Who funds a public-welfare post; required for one, refused otherwise.",
        examples=["县就业专项资金"],
    )
    opens_on: date = Field(description="First day of recruitment.", examples=["2026-12-01"])
    closes_on: date | None = Field(
        default=None, description="Last day of recruitment, if any.", examples=["2027-02-28"]
    )
    status: SettableStatus = Field(
        default="draft", description="draft 草稿 or open 招聘中 (placements only on open posts).", examples=["open"]
    )


class JobPostUpdate(_PostFields):
    """Change what is given; send the ETag of your last read as If-Match. `filled` is set by placements: a post
    whose places are all taken turns `filled`, and `open` again when one is freed."""

    title: Text100 | None = Field(default=None, examples=["缫丝工"])
    sector: Annotated[str, StringConstraints(min_length=1, max_length=60, strip_whitespace=True)] | None = None
    headcount: int | None = Field(
        default=None, ge=1, le=10000, description="Not below the places already filled.", examples=[5]
    )
    monthly_wage: Wage | None = Field(default=None, examples=["2400.00"])
    contract_type: ContractType | None = None
    working_pattern: WorkingPattern | None = None
    light_work: bool | None = None
    required_skills: list[Skill] | None = Field(default=None, max_length=30)
    is_public_welfare: bool | None = None
    funding_source: Text100 | None = None
    opens_on: date | None = None
    closes_on: date | None = None
    status: SettableStatus | None = Field(
        default=None,
        description="draft → open → closed; closed may open again; a draft may be closed.",
        examples=["closed"],
    )

    @model_validator(mode="after")
    def _no_null_for_required(self):
        nulled = sorted(f for f in self.model_fields_set if getattr(self, f) is None and f not in NULLABLE_FIELDS)
        if nulled:
            raise ValueError(f"these fields cannot be null: {', '.join(nulled)}")
        return self


class JobPostRead(BaseModel):
    id: uuid.UUID = Field(examples=["7d5e3c1a-1b2c-4d5e-8f90-a1b2c3d4e5f6"])
    employer_id: uuid.UUID = Field(examples=["3f0e8a52-7c1d-4f7e-9d7b-2a4c5e6f7a8b"])
    jurisdiction_code: str = Field(description="The employer's jurisdiction.", examples=["dapu"])
    title: str = Field(examples=["缫丝工"])
    sector: str = Field(examples=["茧丝绸加工"])
    headcount: int = Field(examples=[3])
    filled: int = Field(description="Places taken by active placements.", examples=[1])
    places_left: int = Field(examples=[2])
    monthly_wage: WageOut = Field(description="Yuan per month.", examples=["2200.00"])
    contract_type: ContractType
    contract_type_label_zh: str = Field(examples=["固定期限劳动合同"])
    working_pattern: WorkingPattern
    working_pattern_label_zh: str = Field(examples=["全日制"])
    light_work: bool
    required_skills: list[str] = Field(examples=[["缫丝"]])
    is_public_welfare: bool
    funding_source: str | None = Field(examples=[None])
    opens_on: date
    closes_on: date | None
    status: PostStatus
    status_label_zh: str = Field(examples=["招聘中"])
    created_at: datetime
    updated_at: datetime
    version: int = Field(description='Changes on every update; the ETag is "<version>".', examples=[1])
