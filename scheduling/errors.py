"""Why scheduling refuses: one member per rule, returned as `code` by the API.

Every refusal in scheduling raises through `iop.common.exceptions.refuse` with one of these.
Values are stable names an integration may branch on; never rename one (add a new member instead).
"""

from __future__ import annotations

from enum import StrEnum


class SchedulingErrorCode(StrEnum):
    # Dates
    END_BEFORE_START = "end_before_start"
    # Facilitators
    FACILITATOR_NOT_ACTIVE = "facilitator_not_active"
    FACILITATOR_NOT_QUALIFIED = "facilitator_not_qualified"
    FACILITATOR_ABSENT = "facilitator_absent"
    FACILITATOR_ALREADY_ON_SESSION = "facilitator_already_on_session"
    FACILITATOR_OVERLAP = "facilitator_overlap"
    CO_FACILITATOR_SAME_AS_LEAD = "co_facilitator_same_as_lead"
    # Group types, groups and weekly slots
    GROUP_TYPE_FIELDS_REJECTED = "group_type_fields_rejected"
    GROUP_TYPE_NAME_TAKEN = "group_type_name_taken"
    GROUP_FIELDS_REJECTED = "group_fields_rejected"
    GROUP_NAME_TAKEN = "group_name_taken"
    GROUP_NOT_ACTIVE = "group_not_active"
    CAPACITY_BELOW_BOOKED = "capacity_below_booked"
    SLOT_FIELDS_REJECTED = "slot_fields_rejected"
    # Rosters and placements
    EPISODE_CLOSED = "episode_closed"
    SESSION_FULL = "session_full"
    CLIENT_OVERLAP = "client_overlap"
    ALREADY_PLACED = "already_placed"
    NO_GROUPS_CHOSEN = "no_groups_chosen"
    REMOVAL_NOT_UNDOABLE = "removal_not_undoable"
    # One-off session changes
    SESSION_CANCELLED = "session_cancelled"
    SESSION_OVER = "session_over"
    DURATION_OUT_OF_RANGE = "duration_out_of_range"
    MOVE_TO_PAST = "move_to_past"
    MOVE_CONFLICT = "move_conflict"
    # Calendar feeds
    NOT_A_FACILITATOR = "not_a_facilitator"
    # Reminders
    REMINDER_DAY_PASSED = "reminder_day_passed"
    REMINDER_NOT_UNKNOWN = "reminder_not_unknown"
