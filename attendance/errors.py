"""Why attendance refuses: one member per rule, returned as `code` by the API.

Every refusal in attendance raises through `iop.common.exceptions.refuse` with one of these.
Values are stable names an integration may branch on; never rename one (add a new member instead).
"""

from __future__ import annotations

from enum import StrEnum


class AttendanceErrorCode(StrEnum):
    # Roll call: one line's times and status
    DEPARTURE_BEFORE_ARRIVAL = "departure_before_arrival"
    ARRIVAL_AFTER_SESSION = "arrival_after_session"
    DEPARTURE_BEFORE_SESSION = "departure_before_session"
    INVALID_STATUS = "invalid_status"
    # Roll call: a status its times contradict (questioned, nothing saved)
    LATE_BUT_ON_TIME = "late_but_on_time"
    LEFT_EARLY_BUT_STAYED = "left_early_but_stayed"
    PRESENT_BUT_MINUTES_CUT = "present_but_minutes_cut"
    # Roll call as a whole (a refused line refuses it all; its reasons are on the line's fields)
    LINES_REFUSED = "lines_refused"
    DUPLICATE_LINE = "duplicate_line"
    ROSTER_ENTRY_NOT_ON_SESSION = "roster_entry_not_on_session"
    SESSION_CANCELLED = "session_cancelled"
    SESSION_NOT_STARTED = "session_not_started"
    # Walk-ins
    WALK_IN_REASON_REQUIRED = "reason_required"
    # Hours flags
    RESOLUTION_REQUIRED = "resolution_required"
    FLAG_ALREADY_RESOLVED = "already_resolved"
    # Absence alerts
    ACTION_REQUIRED = "action_required"
    ACTION_NOTE_REQUIRED = "note_required"
    ALERT_ALREADY_ACKNOWLEDGED = "already_acknowledged"
    # Reports
    REPORT_RANGE_REVERSED = "report_range_reversed"
    REPORT_RANGE_TOO_LONG = "report_range_too_long"
    EPISODE_OF_OTHER_ORGANIZATION = "episode_of_other_organization"
