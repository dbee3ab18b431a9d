"""The registry's text fields, one definition each, so that a field is refused alike in every request that takes it:
trimmed and not empty, at most so many characters (a name 50; a place, an organisation or a document number 100; an
address or a short reason 200; a reason 500; notes 4,000); a phone number by its form."""

from typing import Annotated

from pydantic import StringConstraints

Name = Annotated[str, StringConstraints(min_length=1, max_length=50, strip_whitespace=True)]
Phone = Annotated[str, StringConstraints(pattern=r"^\+?[0-9][0-9-]{5,18}$")]
Text100 = Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]
Text200 = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=500, strip_whitespace=True)]
Notes = Annotated[str, StringConstraints(min_length=1, max_length=4000, strip_whitespace=True)]
