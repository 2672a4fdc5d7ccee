"""Concurrent review calls: the call with the payer's reviewer, scheduled, moved and cancelled with
its history kept (pghistory), the clinician reminded the evening before and an hour before (once
each per call time), and an iCalendar invite (REQUEST / CANCEL, one UID per call, SEQUENCE bumped
by every change) downloadable and emailed to the clinician.

- `selectors`: the review's calls, the next one, the earlier times, the clinician, due reminders;
- `services`: schedule, reschedule, cancel, the reminders job, the invite email;
- `ics`: the invite itself.
"""
