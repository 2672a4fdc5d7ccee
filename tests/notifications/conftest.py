from __future__ import annotations

import pytest

JOURNAL = "tests.notifications.journal.JournalProvider"
DEDUPLICATING_JOURNAL = "tests.notifications.journal.DeduplicatingJournalProvider"


@pytest.fixture
def journal(tmp_path, monkeypatch, settings):
    """Email through a plain journal provider and SMS through a deduplicating one; returns the
    journal's path (see journal.py)."""
    path = tmp_path / "journal.jsonl"
    monkeypatch.setenv("IOP_TEST_JOURNAL", str(path))
    settings.IOP_EMAIL_PROVIDER = JOURNAL
    settings.IOP_SMS_PROVIDER = DEDUPLICATING_JOURNAL
    return path
