from shared.errors import AppError, Conflict, Forbidden, NotFound


class PolicyNotFound(NotFound):
    code = "policy_not_found"


class PolicyChangeForbidden(Forbidden):
    """Only finance (县财政局), the NCO (县禁毒办) or an admin may write or publish policies."""


class InvalidRules(AppError):
    status, code, title = 422, "invalid_rules", "Invalid rules"


class PolicyFrozen(Conflict):
    code, title = "policy_frozen", "Policy version is frozen"


class PolicyAlreadyPublished(Conflict):
    code, title = "policy_already_published", "A policy was published for this year meanwhile"


class NoTierApplies(AppError):
    status, code, title = 422, "no_tier_applies", "No tier applies"


class NotTiered(AppError):
    status, code, title = 422, "not_tiered", "The policy has no tiers"
