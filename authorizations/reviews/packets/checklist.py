"""What a review packet must hold, per payer, and whether the data has it.

A payer's reviewers expect certain elements (domain.md §2.6). An organization lists them in the
admin (`PacketChecklistItem`): a payer's own items replace the general ones (payer empty), and
until any are saved `DEFAULT_ELEMENTS` apply. Each element is judged present or missing from the
data the packet is built from (`PacketFacts`), and a missing one is named in words a VA can act on
("Current risk: not written on the review yet"), never as a field name.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from authorizations.models import PacketChecklistItem, PacketElement
from iop.common.dates import date_range
from iop.tenancy.models import Organization

# (element, required). Required ones decide whether the packet is ready; optional ones are shown
# when recorded and listed as "not recorded" otherwise.
DEFAULT_ELEMENTS: tuple[tuple[str, bool], ...] = (
    (PacketElement.UNITS_REQUESTED, True),
    (PacketElement.ATTENDANCE, True),
    (PacketElement.HOURS, True),
    (PacketElement.DIAGNOSES, True),
    (PacketElement.GOALS, True),
    (PacketElement.PROGRESS, True),
    (PacketElement.RISK, True),
    (PacketElement.MEDICATIONS, True),
    (PacketElement.DISCHARGE_PLAN, True),
    (PacketElement.SCORES, False),
    (PacketElement.CRITERIA, False),
)


@dataclass(frozen=True)
class ChecklistItem:
    element: str
    required: bool

    @property
    def label(self) -> str:
        return PacketElement(self.element).label


@dataclass(frozen=True)
class Checklists:
    """The organization's saved checklist items by payer id (None: every payer's), read once."""

    by_payer: dict[uuid.UUID | None, tuple[ChecklistItem, ...]]

    def for_payer(self, payer_id: uuid.UUID | None) -> tuple[ChecklistItem, ...]:
        """The payer's own items, else the general ones, else the defaults."""
        if payer_id is not None and self.by_payer.get(payer_id):
            return self.by_payer[payer_id]
        if self.by_payer.get(None):
            return self.by_payer[None]
        return tuple(ChecklistItem(element=str(element), required=required) for element, required in DEFAULT_ELEMENTS)


def checklists_load(*, organization: Organization) -> Checklists:
    """Every checklist item of the organization, in their order: one query."""
    grouped: dict[uuid.UUID | None, list[ChecklistItem]] = defaultdict(list)
    for item in PacketChecklistItem.objects.filter(organization=organization).order_by("position", "element"):
        grouped[item.payer_id].append(ChecklistItem(element=item.element, required=item.is_required))
    return Checklists(by_payer={payer: tuple(items) for payer, items in grouped.items()})


@dataclass(frozen=True)
class PacketFacts:
    """What the readiness of each element is decided from (computed by the packet selector)."""

    window_start: dt.date
    window_end: dt.date
    has_renewal_request: bool
    lines_asked: int
    sessions_in_window: int
    sessions_unrecorded: int  # past sessions of the window without attendance
    payer_minimum_known: bool
    payer_name: str
    diagnoses: int
    goals: str
    progress: str
    risk: str
    medications: str
    scores: int
    discharge_plan: str
    criteria: str


def _problem(element: str, facts: PacketFacts) -> str | None:
    """What is missing for `element`, as a sentence; None when it is there."""
    window = date_range(facts.window_start, facts.window_end)
    if element == PacketElement.UNITS_REQUESTED:
        if not facts.has_renewal_request:
            return "Units asked for: the renewal request has not been started yet."
        if not facts.lines_asked:
            return "Units asked for: the renewal request has no service lines — add the codes and units to ask for."
        return None
    if element == PacketElement.ATTENDANCE:
        if not facts.sessions_in_window:
            return f"Attendance: the client had no sessions in the review window ({window})."
        if facts.sessions_unrecorded:
            n = facts.sessions_unrecorded
            sessions = f"{n} past session{'s' if n != 1 else ''}"
            return f"Attendance: {sessions} in the review window ({window}) still without attendance recorded."
        return None
    if element == PacketElement.HOURS:
        if not facts.payer_minimum_known:
            payer = facts.payer_name or "the payer"
            return (
                f"Hours against the payer's minimum: no {payer} rule with a weekly minimum is on file for these dates."
            )
        return None
    if element == PacketElement.DIAGNOSES:
        return None if facts.diagnoses else "Diagnoses: no ICD-10 diagnosis on the renewal request or the last request."
    if element == PacketElement.GOALS:
        return None if facts.goals.strip() else "Treatment-plan goals: the treatment plan has no goals written."
    # Keyed by plain str: stored elements come back from the database as str.
    texts: dict[str, tuple[str, str]] = {
        PacketElement.PROGRESS: (facts.progress, "Progress since the last review: not written on the review yet."),
        PacketElement.RISK: (
            facts.risk,
            "Current risk (suicidal or homicidal ideation, self-harm): not written on the review yet.",
        ),
        PacketElement.MEDICATIONS: (
            facts.medications,
            "Medications: not written on the review yet (write “none” if there are none).",
        ),
        PacketElement.DISCHARGE_PLAN: (
            facts.discharge_plan,
            "Discharge or step-down plan: not written on the review yet.",
        ),
        PacketElement.CRITERIA: (
            facts.criteria,
            "Criteria set cited (ASAM, LOCUS, InterQual, MCG): not named on the review.",
        ),
    }
    if element in texts:
        value, problem = texts[element]
        return None if value.strip() else problem
    if element == PacketElement.SCORES:
        return None if facts.scores else "Standardized scores (PHQ-9, GAD-7…): none recorded on the review."
    return None


@dataclass(frozen=True)
class ElementState:
    element: str
    label: str
    required: bool
    problem: str | None

    @property
    def present(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class Readiness:
    items: tuple[ElementState, ...]

    @property
    def missing(self) -> list[str]:
        """The required elements missing (what `ReviewPacket.missing` stores)."""
        return [i.element for i in self.items if i.required and not i.present]

    @property
    def problems(self) -> list[str]:
        """What is missing among the required elements, as sentences."""
        return [i.problem for i in self.items if i.required and i.problem]

    @property
    def optional_missing(self) -> list[ElementState]:
        return [i for i in self.items if not i.required and not i.present]

    @property
    def ready(self) -> bool:
        return not self.missing


def readiness_of(*, items: Iterable[ChecklistItem], facts: PacketFacts) -> Readiness:
    return Readiness(
        items=tuple(
            ElementState(element=i.element, label=i.label, required=i.required, problem=_problem(i.element, facts))
            for i in items
        )
    )


def missing_labels(elements: Iterable[str]) -> list[str]:
    """Stored missing elements (`ReviewPacket.missing`) as their labels, for a notice or a page."""
    return [PacketElement(e).label if e in PacketElement.values else e for e in elements]
