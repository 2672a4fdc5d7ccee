"""Why discharge says no: one code per rule, returned by the API as `code` so an integration can
branch on it (values are stable once released).

Every refusal in discharge raises `iop.common.exceptions.refuse(message, code=DischargeErrorCode.X)`.
Each area appends its codes under its own heading (plans, aftercare, consent, billing).
"""

from enum import StrEnum


class DischargeErrorCode(StrEnum):
    # --- plans ------------------------------------------------------------------------------------
    # the plan is completed or cancelled: it no longer changes
    PLAN_CLOSED = "plan_closed"
    # the episode is not open (referred, intake or active) and has no plan to start
    EPISODE_NOT_OPEN = "episode_not_open"
    # a target date before the admission (or referral) date
    TARGET_DATE_BEFORE_ADMISSION = "target_date_before_admission"
    # a transition type that is not one of the choices
    INVALID_TRANSITION_TYPE = "invalid_transition_type"
    # a level of care that is not one of the choices
    INVALID_LEVEL_OF_CARE = "invalid_level_of_care"
    # the receiving provider is not one of the organization's active providers
    PROVIDER_UNKNOWN = "provider_unknown"
    # a text longer than its field holds
    TEXT_TOO_LONG = "text_too_long"
    # checklist: an automatic item is decided from data and cannot be ticked by hand
    ITEM_AUTOMATIC = "item_automatic"
    # checklist: the item is already ticked (or already open, for an untick)
    ITEM_UNCHANGED = "item_unchanged"
    # termination session: the session is not one the client can be booked into (cancelled, past,
    # after the target date, full, another organization's)
    SESSION_NOT_BOOKABLE = "session_not_bookable"
    # termination session: the plan has no target date yet
    TARGET_DATE_REQUIRED = "target_date_required"
    # completion: required checklist items are open (the message names them)
    CHECKLIST_OPEN = "checklist_open"
    # completion: an override without a reason, or by someone who may not override
    OVERRIDE_REASON_REQUIRED = "override_reason_required"
    OVERRIDE_NOT_ALLOWED = "override_not_allowed"
    # completion: a last day in the future, or before the admission
    LAST_DAY_INVALID = "last_day_invalid"
    # completion: the plan has no transition type
    TRANSITION_TYPE_REQUIRED = "transition_type_required"
    # summary: signing an empty summary, or signing twice
    SUMMARY_EMPTY = "summary_empty"
    SUMMARY_ALREADY_SIGNED = "summary_already_signed"
    # summary: only a clinician (clinical role) signs it
    SUMMARY_SIGNER_NOT_CLINICAL = "summary_signer_not_clinical"
    # --- consent ----------------------------------------------------------------------------------
    # a consent without a 42 CFR 2.31 element (information, recipient, purpose, expiry, the right
    # to revoke explained, the signature) or with a value that is not one of the choices
    CONSENT_INCOMPLETE = "consent_incomplete"
    # an electronic signature: the typed name is not the client's, or the box is not ticked
    CONSENT_SIGNATURE_INVALID = "consent_signature_invalid"
    # a signature date in the future, or an expiry date already passed
    CONSENT_DATE_INVALID = "consent_date_invalid"
    # the recipient is the client themself, another organization's, or an unknown provider
    CONSENT_RECIPIENT_INVALID = "consent_recipient_invalid"
    # revoking a consent already revoked; recording an expiry event twice or on a consent without one
    CONSENT_ALREADY_REVOKED = "consent_already_revoked"
    CONSENT_NO_EXPIRY_EVENT = "consent_no_expiry_event"
    # a records transmission no valid, unexpired, unrevoked consent of the client covers (the
    # message names the recipient, the purpose and the information not covered)
    CONSENT_NOT_COVERING = "consent_not_covering"
    # a transmission without information kinds, recipient, channel, or dated in the future
    DISCLOSURE_INVALID = "disclosure_invalid"
    # an accounting period that ends before it starts or reaches past today
    ACCOUNTING_PERIOD_INVALID = "accounting_period_invalid"
    # --- aftercare --------------------------------------------------------------------------------
    # directory: a provider of that name exists already
    PROVIDER_NAME_TAKEN = "provider_name_taken"
    # directory: an NPI that is not ten digits
    PROVIDER_NPI_INVALID = "provider_npi_invalid"
    # directory: the provider's own field checks failed (a level of care, an email)
    PROVIDER_FIELDS = "provider_fields"
    # booking: the provider is inactive (not one the program refers to any more)
    PROVIDER_INACTIVE = "provider_inactive"
    # booking: the level of care is not one the provider offers
    LEVEL_NOT_OFFERED = "level_not_offered"
    # booking: the plan is cancelled, or has no target date (nothing to time the visit against)
    APPOINTMENT_PLAN_NOT_OPEN = "appointment_plan_not_open"
    APPOINTMENT_LAST_DAY_REQUIRED = "appointment_last_day_required"
    # booking: the time has passed, or falls before the last day of care
    APPOINTMENT_IN_PAST = "appointment_in_past"
    APPOINTMENT_BEFORE_LAST_DAY = "appointment_before_last_day"
    # booking: a local time that does not exist (clocks go forward)
    APPOINTMENT_TIME_NONEXISTENT = "appointment_time_nonexistent"
    # booking: the plan already has a booked appointment with this provider (reschedule it)
    APPOINTMENT_ALREADY_BOOKED = "appointment_already_booked"
    # reschedule/cancel: the appointment is no longer booked; reschedule: nothing changed
    APPOINTMENT_NOT_BOOKED = "appointment_not_booked"
    APPOINTMENT_UNCHANGED = "appointment_unchanged"
    # cancel: no reason given
    APPOINTMENT_CANCEL_REASON_REQUIRED = "appointment_cancel_reason_required"
    # outcome: kept/missed recorded before the appointment's time, or not one of kept/missed
    OUTCOME_TOO_EARLY = "outcome_too_early"
    OUTCOME_INVALID = "outcome_invalid"
    # follow-up check: not one of kept / no follow-up / could not confirm
    FOLLOW_UP_OUTCOME_INVALID = "follow_up_outcome_invalid"
    # --- billing ----------------------------------------------------------------------------------
    # an upload that is empty, too large, not UTF-8 text, or not a CSV with the documented header
    BILLING_FILE_INVALID = "billing_file_invalid"
    # rows with values that cannot be read (the message names the rows): nothing is written
    BILLING_ROWS_INVALID = "billing_rows_invalid"
    # a billing line's own field checks failed (manual entry)
    BILLING_LINE_INVALID = "billing_line_invalid"
    # the episode's billing is already reconciled or written off: it no longer changes
    RECONCILIATION_CLOSED = "reconciliation_closed"
    # closing as reconciled while discrepancies remain (the message names them)
    DISCREPANCIES_REMAIN = "discrepancies_remain"
    # a write-off without a reason, or without an amount (zero or more)
    WRITE_OFF_REASON_REQUIRED = "write_off_reason_required"
    WRITE_OFF_AMOUNT_INVALID = "write_off_amount_invalid"
    # closing or writing off without the billing role (org admin, intake, VA)
    BILLING_NOT_ALLOWED = "billing_not_allowed"
