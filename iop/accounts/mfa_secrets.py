"""Where allauth keeps the secrets of an authenticator (`mfa_authenticator.data`), for the code
that rewrites them outside allauth: migration 0005 (encrypts plain rows) and `mfa_secrets_rotate`.

allauth itself passes each of them through `EncryptingMFAAdapter` (iop/accounts/adapters.py).
WebAuthn rows hold only a public key and a name: nothing to encrypt.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# TOTP: the shared secret. Recovery codes: the seed the codes derive from.
SECRET_KEYS = ("secret", "seed")
# Recovery codes carried over from django-allauth-2fa: each code is a secret of its own.
SECRET_LIST_KEYS = ("migrated_codes",)


def authenticator_data_map(data: dict[str, Any], transform: Callable[[str], str]) -> dict[str, Any]:
    """A copy of `data` with every secret passed through `transform`; other entries unchanged."""
    mapped = dict(data)
    for key in SECRET_KEYS:
        if isinstance(mapped.get(key), str):
            mapped[key] = transform(mapped[key])
    for key in SECRET_LIST_KEYS:
        if isinstance(mapped.get(key), list):
            mapped[key] = [transform(v) for v in mapped[key]]
    return mapped


def authenticator_data_secrets(data: dict[str, Any]) -> list[str]:
    """Every secret stored in `data` (to check where each is encrypted)."""
    found: list[str] = []

    def collect(value: str) -> str:
        found.append(value)
        return value

    authenticator_data_map(data, collect)
    return found
