from shared.errors import AppError, Conflict, Forbidden, NotFound


class PolicyNotFound(NotFound):
    code = "policy_not_found"


class PolicyChangeForbidden(Forbidden):
    """Only finance (县财政局), the NCO (县禁毒办) or an admin may write or publish policies."""


class InvalidTiers(AppError):
    status, code, title = 422, "invalid_tiers", "Invalid tiers"


class PolicyNotDraft(Conflict):
    code, title = "policy_not_draft", "Policy is not a draft"


class PolicyAlreadyPublished(Conflict):
    code, title = "policy_already_published", "A policy is already published for this year"


class NoTierApplies(AppError):
    status, code, title = 422, "no_tier_applies", "No tier applies"
