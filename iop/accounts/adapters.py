from allauth.account.adapter import DefaultAccountAdapter


class InvitationOnlyAccountAdapter(DefaultAccountAdapter):
    """No open signup: staff accounts are created only by accepting an org admin's invitation
    (iop.accounts.views.invitation_accept), never through allauth's signup form."""

    def is_open_for_signup(self, request) -> bool:
        return False
