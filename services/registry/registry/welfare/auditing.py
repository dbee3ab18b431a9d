"""Welfare reads and writes go into the person's audit trail like every other part of the record. The certificate
numbers join the persons' sensitive fields (a disability certificate number embeds the national ID number)."""

from functools import partial

from registry.persons import auditing as persons

SENSITIVE_FIELDS = persons.SENSITIVE_FIELDS | {"disability.certificate_number", "employment_certificate.number"}

audited = partial(persons.audited, sensitive=SENSITIVE_FIELDS)
