"""The discharge checklist's defaults (domain §5.2: CARF 2.D, state licensing, payer guidance) and
which items are decided from data rather than ticked.

An organization's template (`ChecklistTemplateItem`, Django admin) starts from `DEFAULT_ITEMS` the
first time a plan's checklist is built; every plan copies the template then, so a later template
change does not rewrite plans already under way.
"""

from __future__ import annotations

from dataclasses import dataclass

from discharge.models import ChecklistKey


@dataclass(frozen=True)
class DefaultItem:
    key: str
    label: str
    required: bool = True


DEFAULT_ITEMS: tuple[DefaultItem, ...] = (
    DefaultItem(ChecklistKey.TERMINATION_SESSION, "Termination session scheduled"),
    DefaultItem(
        ChecklistKey.AFTERCARE_BOOKED,
        "Aftercare appointment booked with the receiving provider (before the last day, for the days just after it)",
    ),
    DefaultItem(
        ChecklistKey.RECORDS_SENT, "Records packet sent to the receiving provider (under the client's consent)"
    ),
    DefaultItem(
        ChecklistKey.MEDICATION_CONTINUITY, "Medication continuity noted (bridge prescription, next prescriber)"
    ),
    DefaultItem(
        ChecklistKey.CRISIS_RESOURCES, "Crisis and relapse-prevention resources given; safety plan handed over"
    ),
    DefaultItem(
        ChecklistKey.FINAL_AUTHORIZATION,
        "Final review / authorization closed with the payer (unused future dates cancelled)",
    ),
    DefaultItem(ChecklistKey.SUMMARY_SIGNED, "Discharge summary signed", required=False),
    DefaultItem(ChecklistKey.CLIENT_NOTIFIED, "Client (and partner, for a couple) notified"),
)

# Done by what happened, never by a tick: a session on the roster, an appointment booked, a packet
# sent, the summary signed. The summary is due after the last day (the state's deadline), so by
# default it does not hold the discharge itself.
#
# The final authorization is ticked by the person who told the payer (the last review's outcome or
# a cancellation of the unused dates): before the discharge the authorization is still active by
# right — completing the discharge is what ends it in IOP Ops and cancels the open review — so no
# row can show the call was made. The plan page lists what the payer still holds to help.
AUTOMATIC: frozenset[str] = frozenset(
    {
        ChecklistKey.TERMINATION_SESSION,
        ChecklistKey.AFTERCARE_BOOKED,
        ChecklistKey.RECORDS_SENT,
        ChecklistKey.SUMMARY_SIGNED,
    }
)
