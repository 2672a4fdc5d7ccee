"""Test providers that keep a journal of every message they deliver.

Each delivery is one JSON line appended to the file named by `IOP_TEST_JOURNAL` and fsynced before
`send` returns, so a test sees exactly what left the building — also from a worker process it
started (the variable is inherited) and then killed. `DeduplicatingJournalProvider` behaves like a
provider that honours idempotency keys: a key already in the journal is not delivered again.
"""

from __future__ import annotations

import fcntl
import json
import os
import uuid
from collections import Counter
from pathlib import Path

import pytest

from iop.notifications.providers import Delivery, Provider

PLAIN = "tests.notifications.journal.JournalProvider"
DEDUPLICATING = "tests.notifications.journal.DeduplicatingJournalProvider"


def journal_path() -> Path:
    return Path(os.environ["IOP_TEST_JOURNAL"])


def journal_read() -> list[dict]:
    path = journal_path()
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def journal_keys() -> Counter:
    """How many deliveries each idempotency key had."""
    return Counter(entry["key"] for entry in journal_read())


class JournalProvider(Provider):
    name = "journal"

    def send(self, *, to: str, subject: str, body: str, idempotency_key: str) -> Delivery:
        with journal_path().open("a+") as journal:
            fcntl.flock(journal, fcntl.LOCK_EX)  # one delivery at a time across processes
            if self.deduplicates:
                journal.seek(0)
                for line in journal:
                    entry = json.loads(line)
                    if entry["key"] == idempotency_key:
                        return Delivery(provider=self.name, recorded_only=False, provider_message_id=entry["id"])
            entry = {"key": idempotency_key, "to": to, "id": uuid.uuid4().hex, "pid": os.getpid()}
            journal.write(json.dumps(entry) + "\n")
            journal.flush()
            os.fsync(journal.fileno())
        return Delivery(provider=self.name, recorded_only=False, provider_message_id=entry["id"])


class DeduplicatingJournalProvider(JournalProvider):
    name = "journal-dedup"
    deduplicates = True


@pytest.fixture
def journal(tmp_path, monkeypatch, settings):
    """Email through a plain journal provider and SMS through a deduplicating one (import the
    fixture into a conftest to use it). Returns the journal's path."""
    path = tmp_path / "journal.jsonl"
    monkeypatch.setenv("IOP_TEST_JOURNAL", str(path))
    settings.IOP_EMAIL_PROVIDER = PLAIN
    settings.IOP_SMS_PROVIDER = DEDUPLICATING
    return path
