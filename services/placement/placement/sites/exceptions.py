from shared.errors import Conflict, NotFound


class SiteNotFound(NotFound):
    code = "placement_site_not_found"


class SiteClosed(Conflict):
    code, title = "placement_site_closed", "Placement site closed"
