"""Steps the end-to-end tests take alike through the gateway: a staff user the admin creates, a person registered
with their measures, and a placement's body."""

import uuid
from datetime import date, timedelta

from registry.persons.national_id import check_char
from tests.e2e.conftest import call, staff_headers


def id_number(seq: int, first_born: date = date(1991, 5, 17)) -> str:
    """A valid ID number of someone born `seq` days after `first_born` (each test file keeps its own seqs)."""
    first17 = f"450222{first_born + timedelta(days=seq):%Y%m%d}{seq % 1000:03d}"
    return first17 + check_char(first17)


def new_user(
    system, admin_token: str, label: str, department: str, jurisdiction: str | None = None, display_name: str = "韦丽"
) -> dict[str, str]:
    """A staff user created by the admin (username `<label>.e2e.<random>`), who changed the first password and logged
    in through the gateway: the Authorization header of their token."""
    username, password = f"{label}.e2e.{uuid.uuid4().hex[:6]}", f"e2e-{label}-password-5d2a"
    return staff_headers(system, admin_token, (username, password, display_name), department, jurisdiction)


def register_person(
    system,
    headers: dict[str, str],
    id_number: str,
    registered_on: date | str,
    *,
    name: str = "覃某某",
    jurisdiction: str = "dapu",
    measures: tuple[dict, ...] = (),
) -> str:
    """A person registered through the gateway, then each of `measures` recorded in turn; the person's id."""
    person = call(
        system,
        "POST",
        "/api/v1/persons",
        headers,
        timeout=30,
        json={
            "name": name,
            "id_number": id_number,
            "work_ability": "able",
            "jurisdiction_code": jurisdiction,
            "registered_on": str(registered_on),
        },
    )
    assert person.status_code == 201, person.text
    person_id = person.json()["id"]
    for measure in measures:
        recorded = call(system, "POST", f"/api/v1/persons/{person_id}/measures", headers, timeout=30, json=measure)
        assert recorded.status_code == 201, recorded.text
    return person_id


def placement_body(person_id: str, employer_id: str, number: str, start: date, end: date | None = None) -> dict:
    """A centralised placement on a contract signed and starting on `start` at 2,300 a month (open-ended unless it
    has an `end`)."""
    return {
        "person_id": person_id,
        "route": "centralised",
        "employer_id": employer_id,
        "contract": {
            "number": number,
            "signed_on": str(start),
            "start_on": str(start),
            "end_on": None if end is None else str(end),
            "open_ended": end is None,
            "monthly_wage": "2300.00",
        },
    }
