"""Encryption of secrets the app must read back (TOTP secrets, recovery-code seeds), at rest.

Keys come from `IOP_SECRET_KEYS` (settings; the environment in production): Fernet keys, newest
first. Everything is encrypted under the first key; every key still decrypts, so a rotation is:
put a new key first, run `manage.py rotate_secrets` (re-encrypts every stored secret under it),
then drop the old key. The keys are separate from `DJANGO_SECRET_KEY` on purpose: a leak of one
does not expose the other, and each rotates on its own.

An encrypted value carries `PREFIX`, so a value stored before encryption (plain) is recognised
and can be encrypted in place; a Fernet token alone starts with base64 text a plain value could
also start with.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "enc:v1:"

# Development and tests only (iop/settings/dev.py, test.py): derived from a public phrase, so it
# protects nothing. Production settings refuse it (`secret_keys_parse`).
DEV_ONLY_SECRET_KEY = base64.urlsafe_b64encode(
    hashlib.sha256(b"iop-ops development-only secret key, never for production").digest()
).decode()


class SecretDecryptionError(Exception):
    """A stored secret does not open under any configured key (a key removed too early, or a
    value that is not one of ours)."""


def secret_keys_parse(value: list[str], *, production: bool = False) -> list[str]:
    """Checks the configured keys at settings load, so a bad key stops the start, not a login."""
    keys = [k.strip() for k in value if k.strip()]
    if not keys:
        raise ImproperlyConfigured("IOP_SECRET_KEYS: set at least one Fernet key (newest first).")
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"IOP_SECRET_KEYS: key {position} is not a Fernet key (32 url-safe base64-encoded bytes)."
            ) from exc
        if production and key == DEV_ONLY_SECRET_KEY:
            raise ImproperlyConfigured("IOP_SECRET_KEYS: the development-only key cannot be used in production.")
    return keys


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k) for k in keys])


def _keys() -> tuple[str, ...]:
    return tuple(secret_keys_parse(settings.IOP_SECRET_KEYS))


def _current() -> MultiFernet:
    # Keyed by the keys themselves: tests that change the setting get a matching MultiFernet.
    return _fernet(_keys())


def is_encrypted(value: str) -> bool:
    return value.startswith(PREFIX)


def secret_encrypt(text: str) -> str:
    return PREFIX + _current().encrypt(text.encode()).decode()


def secret_decrypt(token: str) -> str:
    if not is_encrypted(token):
        raise SecretDecryptionError("The value is not an encrypted secret.")
    try:
        return _current().decrypt(token[len(PREFIX) :].encode()).decode()
    except InvalidToken as exc:
        raise SecretDecryptionError("No key in IOP_SECRET_KEYS opens this secret.") from exc


def secret_rotate(value: str) -> str:
    """`value` encrypted under the newest key: re-encrypted if it was under an older one,
    encrypted if it was stored plain."""
    if not is_encrypted(value):
        return secret_encrypt(value)
    try:
        return PREFIX + _current().rotate(value[len(PREFIX) :].encode()).decode()
    except InvalidToken as exc:
        raise SecretDecryptionError("No key in IOP_SECRET_KEYS opens this secret.") from exc


def secret_is_current(value: str) -> bool:
    """True when `value` is encrypted under the newest key: once every stored secret is, the older
    keys can be removed."""
    if not is_encrypted(value):
        return False
    try:
        _fernet(_keys()[:1]).decrypt(value[len(PREFIX) :].encode())
    except InvalidToken:
        return False
    return True
