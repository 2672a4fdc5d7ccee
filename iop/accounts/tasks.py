from celery import shared_task
from django.core.management import call_command

from iop.common.tasks import TenantTask


@shared_task(
    base=TenantTask,
    name="accounts.invitation_send",
    autoretry_for=(ConnectionError, OSError),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def invitation_send(organization_id: int, invitation_id: str) -> None:
    from .models import Invitation
    from .services import invitation_send as send

    invitation = Invitation.objects.select_related("organization", "invited_by").filter(pk=invitation_id).first()
    if invitation is not None:
        send(invitation=invitation)


@shared_task(name="accounts.sessions_clear_expired")
def sessions_clear_expired() -> None:
    call_command("clearsessions")
