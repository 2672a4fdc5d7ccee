"""Why authorizations says no: one code per rule, returned by the API as `code` so an integration
can branch on it (values are stable: existing integrators already see them).

Every refusal in authorizations raises `iop.common.exceptions.refuse(message, code=AuthorizationsErrorCode.X)`."""

from enum import StrEnum


class AuthorizationsErrorCode(StrEnum):
    ALREADY_DONE = "already_done"
    # verification: more met than the deductible or out-of-pocket maximum
    AMOUNT_MET_OVER_TOTAL = "amount_met_over_total"
    # verification: a negative amount
    AMOUNT_NEGATIVE = "amount_negative"
    # attachment: a zip container (a Word document) too large once expanded, damaged or encrypted
    ATTACHMENT_ARCHIVE = "attachment_archive"
    ATTACHMENT_EMPTY = "attachment_empty"
    # attachment: a PDF cut off, damaged, encrypted or without a readable page
    ATTACHMENT_PDF = "attachment_pdf"
    ATTACHMENT_TOO_LARGE = "attachment_too_large"
    ATTACHMENT_TYPE = "attachment_type"
    # verification: coinsurance above 100 %
    COINSURANCE_OUT_OF_RANGE = "coinsurance_out_of_range"
    COUPLE_ENDED = "couple_ended"
    # coverage: ends before it starts
    COVERAGE_END_BEFORE_START = "coverage_end_before_start"
    # coverage: the model's own field checks failed
    COVERAGE_FIELDS = "coverage_fields"
    COVERAGE_NOT_IN_EFFECT = "coverage_not_in_effect"
    COVERAGE_OF_ANOTHER_CLIENT = "coverage_of_another_client"
    COVERAGE_OVERLAP = "coverage_overlap"
    # coverage: no start date
    COVERAGE_START_REQUIRED = "coverage_start_required"
    DECIDED_BEFORE_SUBMISSION = "decided_before_submission"
    DECIDED_IN_FUTURE = "decided_in_future"
    DUE_BEFORE_SUBMISSION = "due_before_submission"
    DUPLICATE_DIAGNOSIS = "duplicate_diagnosis"
    END_BEFORE_START = "end_before_start"
    EPISODE_NOT_OPEN = "episode_not_open"
    FREQUENCY_NOT_POSITIVE = "frequency_not_positive"
    FREQUENCY_PRECISION = "frequency_precision"
    FREQUENCY_TOO_HIGH = "frequency_too_high"
    INCOMPLETE = "incomplete"
    INVALID_ACTION = "invalid_action"
    INVALID_CERTIFICATION_TYPE = "invalid_certification_type"
    INVALID_CHANNEL = "invalid_channel"
    INVALID_COMPONENT = "invalid_component"
    INVALID_ICD10 = "invalid_icd10"
    INVALID_ORDER = "invalid_order"
    INVALID_PACKET = "invalid_packet"
    INVALID_STATUS = "invalid_status"
    INVALID_SUBMITTED_AT = "invalid_submitted_at"
    INVALID_TRACK = "invalid_track"
    INVALID_URGENCY = "invalid_urgency"
    # verification: a negative visit or day limit
    LIMIT_NEGATIVE = "limit_negative"
    LINE_OUTSIDE_WINDOW = "line_outside_window"
    LINES_OUTSIDE_WINDOW = "lines_outside_window"
    # a 271 about another member id than the coverage's
    MEMBER_MISMATCH = "member_mismatch"
    # coverage: no member id
    MEMBER_ID_REQUIRED = "member_id_required"
    NO_FILE = "no_file"
    NO_TREATMENT_PLAN = "no_treatment_plan"
    NOT_EDITABLE = "not_editable"
    NOT_FOUND = "not_found"
    NOT_READY = "not_ready"
    # coverage: the payer is no longer active
    PERSON_MISMATCH = "person_mismatch"
    PAYER_INACTIVE = "payer_inactive"
    # coverage: the payer is not one of the organization's
    PAYER_UNKNOWN = "payer_unknown"
    # coverage: the plan is not the payer's
    PLAN_OF_ANOTHER_PAYER = "plan_of_another_payer"
    # coverage: neither primary nor secondary
    PRIORITY_REQUIRED = "priority_required"
    # coverage: no relationship to the subscriber
    RELATIONSHIP_REQUIRED = "relationship_required"
    REQUIRED = "required"
    REVIEW_BEFORE_START = "review_before_start"
    SUBMITTED_BEFORE_CREATED = "submitted_before_created"
    SUBMITTED_IN_FUTURE = "submitted_in_future"
    # coverage: subscriber's date of birth in the future
    SUBSCRIBER_BORN_IN_FUTURE = "subscriber_born_in_future"
    TOO_MANY_DIAGNOSES = "too_many_diagnoses"
    UNITS_NOT_POSITIVE = "units_not_positive"
    UNITS_TOO_MANY = "units_too_many"
    # verification: an answer that is not one of the options
    UNKNOWN_CHOICE = "unknown_choice"
    UNKNOWN_CODE = "unknown_code"
    # verification: the model's own field checks failed
    VERIFICATION_FIELDS = "verification_fields"
    # verification: dated in the future
    VERIFIED_IN_FUTURE = "verified_in_future"
    X12_EMPTY = "x12_empty"
    X12_MALFORMED = "x12_malformed"
    X12_NO_BENEFITS = "x12_no_benefits"
    X12_REJECTED = "x12_rejected"
    X12_TOO_LARGE = "x12_too_large"
    # review calls: the call's time has passed (or is now)
    CALL_IN_PAST = "call_in_past"
    # review calls: shorter than 5 or longer than 240 minutes
    CALL_DURATION = "call_duration"
    # review calls: no phone number or meeting link
    CALL_DIAL_IN_REQUIRED = "call_dial_in_required"
    # review calls: neither a phone number nor an https meeting link
    CALL_DIAL_IN_INVALID = "call_dial_in_invalid"
    # review calls: the review already has a scheduled call (reschedule it instead)
    CALL_ALREADY_SCHEDULED = "call_already_scheduled"
    # review calls: the call was cancelled or held: it can no longer be moved or cancelled
    CALL_NOT_SCHEDULED = "call_not_scheduled"
    # review calls: the review is decided or cancelled
    CALL_REVIEW_CLOSED = "call_review_closed"
    # review calls: a cancellation without a reason
    CALL_CANCEL_REASON_REQUIRED = "call_cancel_reason_required"
    # review calls: a reschedule that changes nothing
    CALL_UNCHANGED = "call_unchanged"
    # review calls: a local time that does not exist (the hour skipped when clocks go forward)
    CALL_TIME_NONEXISTENT = "call_time_nonexistent"
    # determination: two approved lines of one code for overlapping dates (or an extension overlapping the code's line)
    DUPLICATE_LINE = "duplicate_line"
    # determination: an approved line names a request line of another request
    UNKNOWN_REQUEST_LINE = "unknown_request_line"
    # determination: an approved line's unit type is not one of the unit types
    UNKNOWN_UNIT_TYPE = "unknown_unit_type"
    # review packets: the review was already submitted to the payer
    REVIEW_ALREADY_SUBMITTED = "review_already_submitted"
    # review packets: the review's packet cannot be prepared (the review is submitted, decided or cancelled)
    PACKET_NOT_PREPARABLE = "packet_not_preparable"
    # appeals: the determination is not a denial (A3)
    DENIAL_NOT_A_DENIAL = "denial_not_a_denial"
    # appeals: the denial case is closed
    CASE_CLOSED = "case_closed"
    # appeals: the denial letter is dated in the future
    LETTER_IN_FUTURE = "letter_in_future"
    # appeals: the denied dates end before they start
    DENIED_DATES_REVERSED = "denied_dates_reversed"
    # appeals: a peer-to-peer is already scheduled (reschedule it instead)
    P2P_ALREADY_SCHEDULED = "p2p_already_scheduled"
    # appeals: a peer-to-peer was already held for this denial
    P2P_ALREADY_HELD = "p2p_already_held"
    # appeals: the peer-to-peer is no longer scheduled (held, missed or cancelled)
    P2P_NOT_SCHEDULED = "p2p_not_scheduled"
    # appeals: the peer-to-peer's clinician is not an active clinician of the organization
    P2P_CLINICIAN_INVALID = "p2p_clinician_invalid"
    # appeals: a peer-to-peer before the denial letter arrived
    P2P_BEFORE_LETTER = "p2p_before_letter"
    # appeals: a held peer-to-peer without its outcome, or an outcome for one not held
    P2P_OUTCOME_INVALID = "p2p_outcome_invalid"
    # appeals: an appeal is awaiting its decision
    APPEAL_PENDING = "appeal_pending"
    # appeals: not the next level the case's regime allows (e.g. a second internal level under a one-level regime)
    APPEAL_LEVEL_NOT_ALLOWED = "appeal_level_not_allowed"
    # appeals: nothing is left to appeal (after external review, or the last appeal was withdrawn)
    APPEAL_LADDER_END = "appeal_ladder_end"
    # appeals: an appeal filed in the future or before the denial letter
    APPEAL_FILED_AT_INVALID = "appeal_filed_at_invalid"
    # appeals: the appeal is not awaiting a decision (not filed yet, or decided)
    APPEAL_NOT_PENDING = "appeal_not_pending"
    # appeals: a decision before the filing or in the future
    APPEAL_DECIDED_AT_INVALID = "appeal_decided_at_invalid"
    # appeals: an outcome that is not one of the choices
    APPEAL_OUTCOME_INVALID = "appeal_outcome_invalid"
    # appeals: an appeal without its letter
    APPEAL_LETTER_REQUIRED = "appeal_letter_required"
    # appeals: a closing the case's state does not allow (upheld before the last level, an appeal pending)
    CASE_CLOSE_INVALID = "case_close_invalid"
    # reviews: the authorization is not active (ended, cancelled, or continued by another)
    AUTHORIZATION_NOT_ACTIVE = "authorization_not_active"
    # reviews: the review is decided or cancelled
    REVIEW_NOT_OPEN = "review_not_open"
    # reviews: a review date before today, before the authorization starts, or after it ends
    REVIEW_DATE_IN_PAST = "review_date_in_past"
    REVIEW_DATE_OUTSIDE_AUTHORIZATION = "review_date_outside_authorization"
    # reviews: an outcome that is not one of the choices, or without what it needs
    INVALID_OUTCOME = "invalid_outcome"
    OUTCOME_LINES_REQUIRED = "outcome_lines_required"
    STEP_DOWN_LEVEL_REQUIRED = "step_down_level_required"
    # reviews: a standardized score that is not an instrument, a number and a date
    INVALID_SCORES = "invalid_scores"
    # reviews: a text longer than its field holds
    TEXT_TOO_LONG = "text_too_long"
    # census import: a file that cannot be read as a census CSV (empty, not UTF-8, missing columns, too many rows)
    CENSUS_FILE_INVALID = "census_file_invalid"
    # census import: "import all" with rows that are not good (each named in `extra` by its line)
    CENSUS_ROWS_REFUSED = "census_rows_refused"
    # X12/FHIR files: the organization's interoperability settings lack what the file needs (submitter, NPI…)
    INTEROP_NOT_CONFIGURED = "interop_not_configured"
    # X12/FHIR files: the payer has no electronic payer id
    PAYER_ID_REQUIRED = "payer_id_required"
    # X12 278: a request without service lines, or in draft
    X12_NOT_SENDABLE = "x12_not_sendable"
    # X12 278/271: the file answers another request or another 270 (trace number)
    X12_TRACE_MISMATCH = "x12_trace_mismatch"
    # X12 278: a request (BHT02 13) where the payer's response was expected, or an answer that decides nothing
    X12_NOT_A_RESPONSE = "x12_not_a_response"
    # X12 278: approved lines under different certification numbers
    X12_CERTIFICATION_NUMBERS = "x12_certification_numbers"
    # X12: every control number (999,999,999) was used
    X12_CONTROL_NUMBERS_EXHAUSTED = "x12_control_numbers_exhausted"
    # PAS: a ClaimResponse that is not JSON, not FHIR, or not a ClaimResponse (or a Bundle holding one)
    FHIR_MALFORMED = "fhir_malformed"
    FHIR_TOO_LARGE = "fhir_too_large"
    # PAS: the payer could not process the request (ClaimResponse.error, outcome "error")
    FHIR_REJECTED = "fhir_rejected"
    # PAS: the ClaimResponse answers another request (or does not say which)
    FHIR_OTHER_REQUEST = "fhir_other_request"
    # PAS: no item carries a review action, an item answers no line of the request, or an action is not one we record
    FHIR_NO_DECISION = "fhir_no_decision"
    FHIR_UNKNOWN_ITEM = "fhir_unknown_item"
    # PAS: the approved items carry different certification numbers (one authorization has one)
    FHIR_SEVERAL_NUMBERS = "fhir_several_numbers"
