from shared.errors import Conflict, Forbidden, InvalidInput, NotFound


class TransferNotFound(NotFound):
    code = "transfer_not_found"


class NoTransferAccess(Forbidden):
    code = "no_transfer_access"


class NotYourSide(Forbidden):
    """The caller sees the transfer (their jurisdiction is a party) but this step belongs to the other side."""

    code = "not_your_side_of_transfer"


InvalidTransfer = InvalidInput


class TransferAlreadyOpen(Conflict):
    code = "transfer_already_open"
    title = "A transfer is already open"


class TransferNotOpen(Conflict):
    code = "transfer_not_open"
    title = "Transfer no longer open"


class TransferOutOfDate(Conflict):
    """The person is no longer where the transfer moves them from (cannot happen while one transfer is open per
    person, but the accept checks rather than assumes)."""

    code = "transfer_out_of_date"
    title = "Transfer out of date"
