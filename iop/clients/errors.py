"""Why the clients app refuses: one member per rule, returned as `code` by the API.

Values are stable names an integration may branch on; never rename one (add a new member instead).
"""

from __future__ import annotations

from enum import StrEnum


class ClientsErrorCode(StrEnum):
    # Client record
    UNKNOWN_CLIENT_FIELD = "unknown_client_field"
    CLIENT_FIELDS_REJECTED = "client_fields_rejected"
    DATE_OF_BIRTH_IN_FUTURE = "date_of_birth_in_future"
    DATE_OF_BIRTH_BEFORE_1900 = "date_of_birth_before_1900"
    # Episodes of care
    PROGRAM_NOT_ACTIVE = "program_not_active"
    REFERRAL_DATE_IN_FUTURE = "referral_date_in_future"
    OPEN_EPISODE_EXISTS = "open_episode_exists"
    EPISODE_FIELDS_REJECTED = "episode_fields_rejected"
    UNKNOWN_STATUS = "unknown_status"
    ILLEGAL_TRANSITION = "illegal_transition"
    EFFECTIVE_DATE_BEFORE_REFERRAL = "effective_date_before_referral"
    EFFECTIVE_DATE_BEFORE_ADMISSION = "effective_date_before_admission"
    # Treatment plans
    WEEKLY_REQUIREMENT_OUT_OF_RANGE = "weekly_requirement_out_of_range"
    UNKNOWN_TRACK = "unknown_track"
    UNKNOWN_WEEKDAY = "unknown_weekday"
    AVAILABILITY_ENDS_BEFORE_START = "availability_ends_before_start"
    AVAILABILITY_OVERLAP = "availability_overlap"
    EPISODE_DISCHARGED = "episode_discharged"
    TREATMENT_PLAN_FIELDS_REJECTED = "treatment_plan_fields_rejected"
    TREATMENT_PLAN_EXISTS = "exists"
    # Couples
    COUPLE_NEEDS_TWO_CLIENTS = "couple_needs_two_clients"
    COUPLE_SAME_CLIENT = "couple_same_client"
    PARTNER_OF_OTHER_ORGANIZATION = "partner_of_other_organization"
    IDENTIFIED_PATIENT_NOT_PARTNER = "identified_patient_not_partner"
    PARTNER_ALREADY_IN_COUPLE = "partner_already_in_couple"
    COUPLE_EXISTS = "couple_exists"
    COUPLE_FIELDS_REJECTED = "couple_fields_rejected"
    COUPLE_ALREADY_ENDED = "couple_already_ended"
    COUPLE_END_BEFORE_START = "couple_end_before_start"
    # The client list
    UNKNOWN_LIST_COLUMN = "unknown_list_column"
