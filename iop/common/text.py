"""Small wording helpers for messages people read."""

from __future__ import annotations


def plural(count: int, noun: str) -> str:
    """`count` and `noun`, with an "s" unless there is exactly one ("1 session", "3 sessions")."""
    return f"{count} {noun}{'' if count == 1 else 's'}"
