from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter

from iop.common.crypto import is_encrypted, secret_decrypt, secret_encrypt


class InvitationOnlyAccountAdapter(DefaultAccountAdapter):
    """No open signup: staff accounts are created only by accepting an org admin's invitation
    (iop.accounts.views.invitation_accept), never through allauth's signup form."""

    def is_open_for_signup(self, request) -> bool:
        return False


class EncryptingMFAAdapter(DefaultMFAAdapter):
    """allauth passes every TOTP secret and recovery-code seed through these hooks on its way to
    and from `mfa_authenticator.data`: they are stored encrypted (iop/common/crypto.py)."""

    def encrypt(self, text: str) -> str:
        return secret_encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        # A plain value can only be one written by the previous release during a rolling deploy,
        # after migration accounts.0005 encrypted the rest; `rotate_secrets` encrypts it.
        if not is_encrypted(encrypted_text):
            return encrypted_text
        return secret_decrypt(encrypted_text)
