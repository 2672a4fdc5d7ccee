"""Who may take a session's roll call: shared by the pages and the API.

Staff whose role may record any session (VAs, admins) may record every session; a clinician with
only `ATTENDANCE_RECORD` may record the sessions they are booked to facilitate (lead or co), as
the session's own facilitator list says — not the group's usual lead, since coverage changes it.
"""

from __future__ import annotations

from iop.tenancy import permissions as perms
from iop.tenancy.models import Membership
from scheduling.models import Session


def can_record_session(membership: Membership | None, session: Session) -> bool:
    """One query at most; none when the session carries `facilitator_bookings` (the roll-call
    selector's prefetch)."""
    if perms.membership_can(membership, perms.ATTENDANCE_RECORD_ANY):
        return True
    if membership is None or not perms.membership_can(membership, perms.ATTENDANCE_RECORD):
        return False
    bookings = getattr(session, "facilitator_bookings", None)
    if bookings is not None:
        return any(booking.staff_profile.membership_id == membership.pk for booking in bookings)
    return session.facilitators.filter(staff_profile__membership=membership).exists()
