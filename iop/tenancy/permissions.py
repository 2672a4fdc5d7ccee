"""The one map of role → allowed actions, used by views, the API and the admin alike.

Minimum necessary (HIPAA 164.502(b)): a VA works schedules, rosters and contact details but does not
read clinical content (treatment goals, clinical notes); an intake specialist builds the clinical
case; clinicians read and write clinical content; the org admin configures the organization and
manages staff. Later apps add their actions here, next to the ones they relate to.
"""

from __future__ import annotations

from .models import Role

CLIENT_VIEW = "client.view"
CLIENT_CREATE = "client.create"
CLIENT_EDIT = "client.edit"
CLINICAL_VIEW = "clinical.view"  # treatment goals, clinical notes, ESA clinical-necessity note
TREATMENT_PLAN_EDIT = "treatment_plan.edit"
EPISODE_TRANSITION = "episode.transition"
COUPLE_MANAGE = "couple.manage"
PROGRAM_VIEW = "program.view"
PROGRAM_MANAGE = "program.manage"
MEMBER_VIEW = "member.view"
MEMBER_MANAGE = "member.manage"  # invite, change role, deactivate, end sessions
AUDIT_VIEW = "audit.view"
API_TOKEN_MANAGE = "api_token.manage"
ADMIN_ACCESS = "admin.access"
ORGANIZATION_MANAGE = "organization.manage"
SCHEDULE_VIEW = "schedule.view"  # master schedule, sessions, rosters (no clinical content)
SCHEDULE_MANAGE = "schedule.manage"  # sessions, coverage, absences, groups and their weekly times
PLACEMENT_MANAGE = "placement.manage"  # place clients into groups, rosters, waitlists
REMINDERS_VIEW = "reminders.view"  # tomorrow's reminders preview and what was sent
REMINDERS_RESEND = "reminders.resend"  # resend a reminder whose delivery status is unknown
CALENDAR_FEED = "calendar_feed.manage"  # one's own iCalendar subscription
ATTENDANCE_VIEW = "attendance.view"  # roll calls, weekly hours, worklists (no clinical content)
ATTENDANCE_RECORD = "attendance.record"  # roll call for the sessions one facilitates
ATTENDANCE_RECORD_ANY = "attendance.record_any"  # roll call for any session (VAs, admins)
HOURS_FLAG_MANAGE = "hours_flag.manage"  # resolve "hours at risk" flags
ABSENCE_ALERT_MANAGE = "absence_alert.manage"  # acknowledge absence alerts (the clinical team)
ATTENDANCE_REPORT = "attendance.report"  # attendance reports (PDF, CSV) for review calls
COVERAGE_VIEW = "coverage.view"  # coverages, benefit verifications, authorizations and their units
COVERAGE_MANAGE = "coverage.manage"  # record coverages and benefit verifications (incl. 271 import)
AUTH_REQUEST_MANAGE = "auth_request.manage"  # build, submit and track authorization requests and packets
DETERMINATION_RECORD = "determination.record"  # record the payer's answers; work the authorization chase
REVIEW_VIEW = "review.view"  # the review calendar and a review's authorization, units, calls and packet status
REVIEW_CLINICAL_EDIT = "review.clinical_edit"  # a review's clinical fields (progress, risk, medications, scores)
REVIEW_OUTCOME_RECORD = "review.outcome_record"  # the payer's outcome of a review; move a review's date
APPEAL_MANAGE = "appeal.manage"  # denial cases: peer-to-peer (clinicians too), appeals, the appeal packet
REVIEW_CALL_MANAGE = "review_call.manage"  # schedule, move and cancel concurrent review calls
REVIEW_PACKET_VIEW = "review_packet.view"  # a review's packet: readiness, the PDF; prepare it (again)
# Submitting a review's packet to the payer. VAs hold it although they read no clinical content
# elsewhere: sending the payer the packet it asks for is a payment disclosure the VA makes as their
# duty, and the packet is the minimum necessary for it (164.502(b)) — they see its readiness and
# its PDF for that purpose, not the clinical record (CLINICAL_VIEW stays off).
REVIEW_PACKET_MANAGE = "review_packet.manage"
# Discharge and step-down (discharge/). A VA coordinates the discharge — plan dates, the
# termination session, the checklist's practical items — without reading the clinical record: the
# discharge summary's text is shown only with CLINICAL_VIEW, and only clinicians (and org admins)
# sign it. Completing a discharge with required items open takes an org admin's reason.
DISCHARGE_VIEW = "discharge.view"  # transition plans, checklists, the Discharges worklist
DISCHARGE_MANAGE = "discharge.manage"  # start and update plans, tick items, book the termination session, complete
DISCHARGE_OVERRIDE = "discharge.override"  # complete a discharge with required items open, with a reason
DISCHARGE_SUMMARY_SIGN = "discharge.summary_sign"  # write and sign the discharge summary (clinical)
# Consents to disclose (42 CFR 2.31) and the disclosure log: record, revoke, read the client's
# consents and what was disclosed under them (intake, VAs, clinicians, admins).
CONSENT_MANAGE = "consent.manage"
# Sending a client's records under their consent (the records packet, the accounting of
# disclosures). VAs hold it: sending the receiving provider what the client consented to is a
# disclosure they make as their duty, limited to the consented kinds (minimum necessary does not
# apply to a disclosure under the client's authorization or for treatment, 164.502(b)(2)).
DISCLOSURE_SEND = "disclosure.send"
# The episode's billing reconciliation: import or enter billing lines, read the reconciliation,
# close it as reconciled or write it off with a reason and amount. Billing figures, codes and dates
# of service, no clinical content: intake, VAs (who do the billing follow-up) and admins.
BILLING_RECONCILE = "billing.reconcile"

_EVERY_STAFF = {
    CLIENT_VIEW,
    PROGRAM_VIEW,
    MEMBER_VIEW,
    API_TOKEN_MANAGE,
    SCHEDULE_VIEW,
    CALENDAR_FEED,
    ATTENDANCE_VIEW,
    COVERAGE_VIEW,
    REVIEW_VIEW,
}

ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.INTAKE: frozenset(
        _EVERY_STAFF
        | {
            BILLING_RECONCILE,
            DISCHARGE_VIEW,
            DISCHARGE_MANAGE,
            REVIEW_PACKET_VIEW,
            REVIEW_PACKET_MANAGE,
            REVIEW_CLINICAL_EDIT,
            REVIEW_OUTCOME_RECORD,
            APPEAL_MANAGE,
            REVIEW_CALL_MANAGE,
            CONSENT_MANAGE,
            DISCLOSURE_SEND,
            CLIENT_CREATE,
            CLIENT_EDIT,
            CLINICAL_VIEW,
            TREATMENT_PLAN_EDIT,
            EPISODE_TRANSITION,
            COUPLE_MANAGE,
            PLACEMENT_MANAGE,
            ABSENCE_ALERT_MANAGE,
            COVERAGE_MANAGE,
            AUTH_REQUEST_MANAGE,
            DETERMINATION_RECORD,
        }
    ),
    Role.VA: frozenset(
        _EVERY_STAFF
        | {
            BILLING_RECONCILE,
            DISCHARGE_VIEW,
            DISCHARGE_MANAGE,
            REVIEW_PACKET_VIEW,
            REVIEW_PACKET_MANAGE,
            REVIEW_OUTCOME_RECORD,
            APPEAL_MANAGE,
            REVIEW_CALL_MANAGE,
            CONSENT_MANAGE,
            DISCLOSURE_SEND,
            CLIENT_EDIT,
            EPISODE_TRANSITION,
            SCHEDULE_MANAGE,
            PLACEMENT_MANAGE,
            REMINDERS_VIEW,
            REMINDERS_RESEND,
            ATTENDANCE_RECORD,
            ATTENDANCE_RECORD_ANY,
            HOURS_FLAG_MANAGE,
            ATTENDANCE_REPORT,
            COVERAGE_MANAGE,
            DETERMINATION_RECORD,
        }
    ),
    Role.CLINICIAN: frozenset(
        _EVERY_STAFF
        | {
            DISCHARGE_VIEW,
            DISCHARGE_MANAGE,
            DISCHARGE_SUMMARY_SIGN,
            REVIEW_PACKET_VIEW,
            REVIEW_CLINICAL_EDIT,
            REVIEW_OUTCOME_RECORD,
            APPEAL_MANAGE,
            REVIEW_CALL_MANAGE,
            CONSENT_MANAGE,
            DISCLOSURE_SEND,
            CLINICAL_VIEW,
            TREATMENT_PLAN_EDIT,
            EPISODE_TRANSITION,
            COUPLE_MANAGE,
            ATTENDANCE_RECORD,
            HOURS_FLAG_MANAGE,
            ABSENCE_ALERT_MANAGE,
            ATTENDANCE_REPORT,
        }
    ),
    Role.ORG_ADMIN: frozenset(
        _EVERY_STAFF
        | {
            BILLING_RECONCILE,
            DISCHARGE_VIEW,
            DISCHARGE_MANAGE,
            DISCHARGE_OVERRIDE,
            DISCHARGE_SUMMARY_SIGN,
            REVIEW_PACKET_VIEW,
            REVIEW_PACKET_MANAGE,
            REVIEW_CLINICAL_EDIT,
            REVIEW_OUTCOME_RECORD,
            APPEAL_MANAGE,
            REVIEW_CALL_MANAGE,
            CONSENT_MANAGE,
            DISCLOSURE_SEND,
            CLIENT_CREATE,
            CLIENT_EDIT,
            CLINICAL_VIEW,
            TREATMENT_PLAN_EDIT,
            EPISODE_TRANSITION,
            COUPLE_MANAGE,
            PROGRAM_MANAGE,
            MEMBER_MANAGE,
            AUDIT_VIEW,
            ADMIN_ACCESS,
            ORGANIZATION_MANAGE,
            SCHEDULE_MANAGE,
            PLACEMENT_MANAGE,
            REMINDERS_VIEW,
            REMINDERS_RESEND,
            ATTENDANCE_RECORD,
            ATTENDANCE_RECORD_ANY,
            HOURS_FLAG_MANAGE,
            ABSENCE_ALERT_MANAGE,
            ATTENDANCE_REPORT,
            COVERAGE_MANAGE,
            AUTH_REQUEST_MANAGE,
            DETERMINATION_RECORD,
        }
    ),
}

ALL_ACTIONS = frozenset().union(*ROLE_ACTIONS.values())


def role_can(role: str | None, action: str) -> bool:
    if action not in ALL_ACTIONS:
        # A typo in an action name must not silently deny (or allow) forever.
        raise KeyError(f"Unknown action {action!r}")
    return role is not None and action in ROLE_ACTIONS.get(role, frozenset())


def membership_can(membership, action: str) -> bool:
    return membership is not None and membership.is_active and role_can(membership.role, action)


def membership_actions(membership) -> frozenset[str]:
    """Everything the member may do (none for a missing or inactive membership): templates' `can`."""
    return (
        ROLE_ACTIONS.get(membership.role, frozenset())
        if membership is not None and membership.is_active
        else frozenset()
    )
