"""The migration that gives verifications imported before benefit lines existed their lines, read
from the kept 271 the way an import reads it now; one whose file is not its coverage's person's
(the dependent / subscriber mix-up) gets a note to verify again instead, and nothing else changes."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from authorizations.models import BenefitLine, BenefitVerification

from .conftest import read_271

pytestmark = pytest.mark.django_db

backfill = importlib.import_module("authorizations.migrations.0003_benefit_lines_from_271s").backfill_benefit_lines


def _imported_before(coverage, raw: str, **fields) -> BenefitVerification:
    """A verification as the import wrote it before this release: figures, notes and the raw file."""
    return BenefitVerification.objects.create(
        coverage=coverage, verified_at=timezone.now(), method="electronic", raw_271=raw, copay=30, **fields
    )


def test_imported_verifications_get_the_lines_of_their_person_or_a_note_to_verify_again(
    in_harbor, harbor_coverage, child_coverage, dependent_271
):
    own = _imported_before(harbor_coverage, read_271("mh_sud_benefits.x12"))
    dependents_on_subscriber = _imported_before(harbor_coverage, dependent_271, notes="Imported from an X12 271.")
    subscribers_on_child = _imported_before(child_coverage, read_271("mh_sud_benefits.x12"))
    childs = _imported_before(child_coverage, dependent_271)
    by_hand = BenefitVerification.objects.create(coverage=child_coverage, verified_at=timezone.now(), method="phone")

    backfill(apps, None)
    backfill(apps, None)  # a second run changes nothing

    for verification in (own, dependents_on_subscriber, subscribers_on_child, childs, by_hand):
        verification.refresh_from_db()
    assert (own.benefit_lines.count(), own.plan_name, own.coverage_level, own.notes) == (14, "GOLD PPO", "IND", "")
    assert (childs.benefit_lines.count(), childs.plan_name, childs.coverage_level) == (21, "GOLD PPO FAMILY", "FAM")
    assert childs.benefit_lines.filter(network="out").count() == 6

    assert not dependents_on_subscriber.benefit_lines.exists() and dependents_on_subscriber.copay == 30
    assert dependents_on_subscriber.notes.startswith(
        "Imported from an X12 271.\nChecked when benefit lines were added: the 271 this verification was imported "
        "from would be refused today. This file's benefits are about SAM RIVERA (dependent, born 1 Jan 2010)"
    )
    assert dependents_on_subscriber.notes.endswith("Its figures may be another person's: verify this coverage again.")
    assert dependents_on_subscriber.notes.count("Checked when benefit lines were added") == 1
    assert "This file is about JORDAN RIVERA (subscriber, born 12 Apr 1985)" in subscribers_on_child.notes
    assert not subscribers_on_child.benefit_lines.exists()
    assert (by_hand.notes, by_hand.plan_name) == ("", "")
    assert BenefitLine.objects.count() == 35
