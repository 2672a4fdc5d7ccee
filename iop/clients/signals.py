from django.dispatch import Signal

# Sent inside the transaction of every episode status change, after the change is saved:
# other apps (scheduling) keep their rows in step through their own services, atomically.
# kwargs: episode, from_status, to_status, effective_date, actor
episode_status_changed = Signal()
