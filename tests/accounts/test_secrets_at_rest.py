"""TOTP secrets and recovery-code seeds are stored encrypted (IOP_SECRET_KEYS), keys rotate, and
rows stored plain before encryption are encrypted by migration accounts.0005."""

from __future__ import annotations

import json
from importlib import import_module
from io import StringIO

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from cryptography.fernet import Fernet
from django.apps import apps as django_apps
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from psycopg2 import sql

from iop.common.crypto import (
    DEV_ONLY_SECRET_KEY,
    PREFIX,
    SecretDecryptionError,
    secret_decrypt,
    secret_encrypt,
    secret_is_current,
)

from ..conftest import make_member
from ..factories import TEST_PASSWORD, enable_totp, totp_code

pytestmark = pytest.mark.django_db

OLD_KEY = DEV_ONLY_SECRET_KEY
NEW_KEY = Fernet.generate_key().decode()


def _stored(user) -> dict[str, dict]:
    """The authenticators' `data` as Postgres holds it, read past the ORM and allauth."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT type, data::text FROM mfa_authenticator WHERE user_id = %s", [user.pk])
        return {kind: json.loads(data) for kind, data in cursor.fetchall()}


def _store_raw(user, kind: str, data: dict) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE mfa_authenticator SET data = %s::jsonb WHERE user_id = %s AND type = %s",
            [json.dumps(data), user.pk, kind],
        )


def _sign_in(client, email: str, code: str) -> bool:
    client.logout()
    response = client.post(reverse("account_login"), {"login": email, "password": TEST_PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    client.post(reverse("mfa_authenticate"), {"code": code})
    return "_auth_user_id" in client.session


def test_totp_enrolment_stores_encrypted_secrets_and_sign_in_still_works(client, harbor):
    user = make_member(harbor, "va", "new@harbor.test", mfa=False)
    client.post(reverse("account_login"), {"login": "new@harbor.test", "password": TEST_PASSWORD})
    client.post(reverse("account_reauthenticate"), {"password": TEST_PASSWORD})
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302

    stored = _stored(user)
    assert set(stored) == {"totp", "recovery_codes"}
    raw = json.dumps(stored)
    assert secret not in raw
    assert stored["totp"]["secret"].startswith(PREFIX)
    assert stored["recovery_codes"]["seed"].startswith(PREFIX)
    codes = RecoveryCodes(Authenticator.objects.get(user=user, type="recovery_codes")).generate_codes()
    assert not any(code in raw for code in codes)

    assert _sign_in(client, "new@harbor.test", totp_code(secret))
    assert _sign_in(client, "new@harbor.test", codes[0])
    assert not _sign_in(client, "new@harbor.test", codes[0]), "a recovery code works once"


def test_a_new_key_first_keeps_old_secrets_working_and_rotation_moves_them_to_it(client, harbor, settings):
    user = make_member(harbor, "va", "rot@harbor.test", mfa=False)
    secret = enable_totp(user)
    codes = RecoveryCodes.activate(user).generate_codes()
    before = _stored(user)

    settings.IOP_SECRET_KEYS = [NEW_KEY, OLD_KEY]
    assert _sign_in(client, "rot@harbor.test", totp_code(secret))
    with pytest.raises(CommandError, match="2 authenticator"):
        call_command("rotate_secrets", "--check")

    out = StringIO()
    call_command("rotate_secrets", stdout=out)
    assert "Re-encrypted the secrets of 2 authenticator(s)" in out.getvalue()
    assert "older keys may be removed" in out.getvalue()
    after = _stored(user)
    assert after["totp"]["secret"] != before["totp"]["secret"]
    assert after["recovery_codes"]["seed"] != before["recovery_codes"]["seed"]
    assert after["recovery_codes"]["used_mask"] == before["recovery_codes"]["used_mask"]
    call_command("rotate_secrets", "--check")

    # The old key can go: everything opens under the new one alone, nothing under the old one.
    settings.IOP_SECRET_KEYS = [NEW_KEY]
    assert secret_decrypt(after["totp"]["secret"]) == secret
    assert RecoveryCodes(Authenticator.objects.get(user=user, type="recovery_codes")).generate_codes() == codes
    assert _sign_in(client, "rot@harbor.test", codes[1])
    settings.IOP_SECRET_KEYS = [OLD_KEY]
    with pytest.raises(SecretDecryptionError):
        secret_decrypt(after["totp"]["secret"])


def test_a_plain_secret_left_behind_still_signs_in_and_rotation_encrypts_it(client, harbor):
    user = make_member(harbor, "va", "straggler@harbor.test", mfa=False)
    secret = enable_totp(user)
    _store_raw(user, "totp", {"secret": secret})  # written plain by the previous release mid-deploy
    assert _sign_in(client, "straggler@harbor.test", totp_code(secret))
    with pytest.raises(CommandError, match="1 authenticator"):
        call_command("rotate_secrets", "--check")
    call_command("rotate_secrets")
    assert secret_is_current(_stored(user)["totp"]["secret"])


def _migrate_accounts_to(name: str) -> None:
    """Migrate as the owner, as `migrate` does: going back to 0004 also unapplies the later
    accounts migrations, and those alter tables (API tokens' expiry), which the app role may not."""
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
    try:
        MigrationExecutor(connection).migrate([("accounts", name)])
    finally:
        with connection.cursor() as cursor:
            cursor.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(settings.IOP_DB_APP_ROLE)))


def test_migration_encrypts_legacy_plain_rows_once_and_reverses(client, harbor):
    user = make_member(harbor, "va", "legacy@harbor.test", mfa=False)
    secret = enable_totp(user)
    RecoveryCodes.activate(user)
    seed = secret_decrypt(_stored(user)["recovery_codes"]["seed"])
    # As stored before encryption, with a code carried over from django-allauth-2fa.
    _store_raw(user, "totp", {"secret": secret})
    _store_raw(user, "recovery_codes", {"seed": seed, "used_mask": 0, "migrated_codes": ["12345678"]})

    _migrate_accounts_to("0004_readable_names")
    _migrate_accounts_to("0005_encrypt_mfa_secrets")

    stored = _stored(user)
    raw = json.dumps(stored)
    assert secret not in raw and seed not in raw and "12345678" not in raw
    assert stored["recovery_codes"]["used_mask"] == 0
    assert secret_decrypt(stored["totp"]["secret"]) == secret
    assert secret_decrypt(stored["recovery_codes"]["seed"]) == seed
    assert _sign_in(client, "legacy@harbor.test", totp_code(secret))
    assert _sign_in(client, "legacy@harbor.test", "12345678")

    # Going back restores plain values; going forward twice encrypts each value once.
    _migrate_accounts_to("0004_readable_names")
    assert _stored(user)["totp"] == {"secret": secret}
    _migrate_accounts_to("0005_encrypt_mfa_secrets")
    once = _stored(user)
    import_module("iop.accounts.migrations.0005_encrypt_mfa_secrets").encrypt_secrets(django_apps, None)
    assert _stored(user) == once


def test_tampered_or_foreign_values_are_refused():
    token = secret_encrypt("JBSWY3DPEHPK3PXP")
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(SecretDecryptionError):
        secret_decrypt(tampered)
    with pytest.raises(SecretDecryptionError):
        secret_decrypt("JBSWY3DPEHPK3PXP")
