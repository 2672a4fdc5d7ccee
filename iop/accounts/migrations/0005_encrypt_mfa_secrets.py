"""Encrypts the TOTP secrets and recovery-code seeds stored plain before EncryptingMFAAdapter.

Idempotent: a value already encrypted is left as it is (re-running changes nothing). Reversible:
going back decrypts them to plain with the configured IOP_SECRET_KEYS. `mfa_authenticator` has
no organization_id, so no Row-Level Security applies; migrations run as the owner role anyway.
"""

from django.db import migrations

from iop.accounts.mfa_secrets import authenticator_data_map
from iop.common.crypto import is_encrypted, secret_decrypt, secret_encrypt


def _encrypt(value: str) -> str:
    return value if is_encrypted(value) else secret_encrypt(value)


def _decrypt(value: str) -> str:
    return secret_decrypt(value) if is_encrypted(value) else value


def _rewrite(apps, transform) -> None:
    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.select_for_update().order_by("pk"):
        data = authenticator_data_map(authenticator.data, transform)
        if data != authenticator.data:
            authenticator.data = data
            authenticator.save(update_fields=["data"])


def encrypt_secrets(apps, schema_editor):
    _rewrite(apps, _encrypt)


def decrypt_secrets(apps, schema_editor):
    _rewrite(apps, _decrypt)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_readable_names"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(encrypt_secrets, decrypt_secrets)]
