from shared.errors import Conflict, Forbidden, NotFound


class NoReferralAccess(Forbidden):
    code, title = "no_referral_access", "No access to referrals"


class ReferralNotFound(NotFound):
    code = "referral_not_found"


class ReferralExists(Conflict):
    code, title = "referral_exists", "Already referred"


class InvalidTransition(Conflict):
    code, title = "invalid_referral_transition", "Referral cannot move there"
