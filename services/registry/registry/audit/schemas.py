import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.audit import ActorKind, Outcome

OUTCOME_LABELS_ZH: dict[str, str] = {
    "success": "成功",
    "denied": "拒绝",
    "not_found": "未找到",
    "invalid": "无效请求",
    "error": "出错",
}


class FieldChange(BaseModel):
    old: Any = Field(description='The value before, or "[redacted]" for a sensitive field.', examples=["大埔镇"])
    new: Any = Field(description='The value after, or "[redacted]" for a sensitive field.', examples=["东泉镇"])


class AuditEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int = Field(description="Position in the audit trail; grows with time.", examples=[10482])
    at: datetime = Field(description="When, to the millisecond.", examples=["2026-11-29T08:15:30.123Z"])
    actor_subject: str = Field(
        description="Who: the user's or integration client's id (`sub` of the token), or `system`.",
        examples=["0f9c4d1e-7a52-4b8e-9d3a-2c61b0e4f8a7"],
    )
    actor_kind: ActorKind = Field(description="user, client or system.", examples=["user"])
    actor_name: str = Field(description="The actor's display name when it acted.", examples=["韦丽"])
    actor_roles: list[str] = Field(description="The actor's roles when it acted.", examples=[["staff"]])
    actor_department: str | None = Field(description="The actor's department code.", examples=["township"])
    actor_jurisdiction: str | None = Field(
        description="The actor's jurisdiction code; null means county-wide.", examples=["dapu"]
    )
    operation: str = Field(
        description="What was done, e.g. person.read, person.update, person.list, person.export, "
        "person.id_number.unmask, audit.read.",
        examples=["person.update"],
    )
    resource_type: str = Field(description="The kind of record concerned.", examples=["person"])
    resource_ids: list[uuid.UUID] = Field(
        description="The people concerned (for a list, those on the page returned).",
        examples=[["8d1f6a52-3c0b-4e5e-9f1a-7b2d4c6e8a90"]],
    )
    changes: dict[str, FieldChange] | None = Field(
        description="For a write: the fields changed, old and new; sensitive values are redacted but still named.",
        examples=[{"address": {"old": "大埔镇…", "new": "东泉镇…"}, "id_number": {"old": None, "new": "[redacted]"}}],
    )
    outcome: Outcome = Field(
        description="success, denied, not_found, invalid or error (refused attempts are recorded too).",
        examples=["success"],
    )
    outcome_label_zh: str = Field(description="The outcome in Chinese.", examples=["成功"])
    request_id: str | None = Field(
        description="X-Request-ID of the request, to find it in the logs.", examples=["6f1c2b7e0b7d4d2f"]
    )
    prev_hash: str = Field(description="sha256 (hex) of the event before this one.", examples=["3a7bd3e2…"])
    hash: str = Field(
        description="sha256 (hex) of prev_hash and this event's content; see /api/v1/audit-events/verify.",
        examples=["9c56cc51…"],
    )


class ChainVerification(BaseModel):
    ok: bool = Field(description="True when every event checked is unchanged and linked to the one before.")
    checked: int = Field(description="How many events were recomputed.", examples=[10482])
    first_bad_id: int | None = Field(
        description="The first event whose content or link does not match (changed in place: that event; "
        "rewritten or removed: the event after it); null when ok.",
        examples=[None],
    )
