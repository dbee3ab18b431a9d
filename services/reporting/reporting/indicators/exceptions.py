from shared.errors import NotFound


class IndicatorNotFound(NotFound):
    code = "indicator_not_found"
