from typing import Annotated

from fastapi import Depends, Request

from registry.persons.crypto import IdNumberCipher


def get_cipher(request: Request) -> IdNumberCipher:
    return request.app.state.id_cipher


CipherDep = Annotated[IdNumberCipher, Depends(get_cipher)]
