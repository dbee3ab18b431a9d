from datetime import date

import pytest

from registry.persons.national_id import check_char


def id_number(born: date = date(1990, 1, 1), seq: int = 123, area: str = "450222") -> str:
    first17 = f"{area}{born:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


def person_body(name: str = "韦某某", born: date = date(1990, 1, 1), seq: int = 123, **fields) -> dict:
    """The body registering a person able to work, in Dapu unless told (their ID number from `born` and `seq`)."""
    return {
        "name": name,
        "id_number": id_number(born, seq),
        "work_ability": "able",
        "jurisdiction_code": "dapu",
        **fields,
    }


@pytest.fixture
def new_person(registry, auth):
    """new_person(name=..., born=..., seq=..., jurisdiction_code=..., headers=...) -> created JSON."""

    async def make(name: str = "韦某某", born: date = date(1990, 1, 1), seq: int = 123, headers=None, **fields):
        body = person_body(name, born, seq, **fields)
        response = await registry.post("/api/v1/persons", json=body, headers=headers or auth())
        assert response.status_code == 201, response.text
        return response.json()

    return make
