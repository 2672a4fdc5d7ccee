"""Signals other apps listen to, so attendance needs no knowledge of them (authorizations counts
units and flags unauthorized days from attendance)."""

from django.dispatch import Signal

# Sent inside the roll call's transaction after records were created or changed:
# `sender=AttendanceRecord`, `organization`, `session`, `records` (the created and updated ones).
attendance_saved = Signal()
