"""Small wording helpers for messages people read."""

from __future__ import annotations


def plural(count: int, noun: str) -> str:
    """`count` and `noun`, with an "s" unless there is exactly one ("1 session", "3 sessions")."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def record_ref(pk: object) -> str:
    """A short reference ("#3f2a1b4c") that tells two records of a kind apart in a model's label.
    Client records are labelled by it, never by a name: admin's change log is global."""
    return f"#{str(pk)[:8]}" if pk is not None else "(not saved)"
