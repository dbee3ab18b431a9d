from shared.errors import NotFound


class JurisdictionNotFound(NotFound):
    code = "jurisdiction_not_found"
