"""What the clinician tells the reviewer this time: progress since the last review, current risk,
medications, standardized scores, the discharge or step-down plan and the criteria set cited.
Clinical content: only roles that read it write it (the views and the API check the action)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import transaction

from authorizations.errors import AuthorizationsErrorCode
from authorizations.models import ConcurrentReview
from authorizations.reviews.services.calendar import review_locked, review_open_check
from iop.common.exceptions import refuse

if TYPE_CHECKING:
    from iop.accounts.models import User

CLINICAL_TEXT_FIELDS = (
    "progress_since_last_review",
    "risk_note",
    "medications_note",
    "discharge_plan",
    "criteria_cited",
)
CLINICAL_FIELDS = (*CLINICAL_TEXT_FIELDS, "standardized_scores")
MAX_SCORES = 20


def scores_clean(scores: Any, *, today: dt.date) -> list[dict]:
    """`[{"instrument", "score", "date"}]`: an instrument name, a number and an ISO date not in the
    future; refused with the row that is wrong."""
    if scores in (None, ""):
        return []
    if not isinstance(scores, list) or len(scores) > MAX_SCORES:
        refuse(
            f"Give the scores as a list of at most {MAX_SCORES}.",
            code=AuthorizationsErrorCode.INVALID_SCORES,
            field="standardized_scores",
        )
    cleaned = []
    for number, row in enumerate(scores, start=1):
        where = f"Score {number}"
        if not isinstance(row, dict):
            refuse(
                f"{where}: give an instrument, a score and a date.",
                code=AuthorizationsErrorCode.INVALID_SCORES,
                field="standardized_scores",
            )
        instrument = str(row.get("instrument") or "").strip()
        if not instrument or len(instrument) > 40:
            refuse(
                f"{where}: name the instrument (e.g. PHQ-9), at most 40 characters.",
                code=AuthorizationsErrorCode.INVALID_SCORES,
                field="standardized_scores",
            )
        try:
            score = Decimal(str(row.get("score")).strip())
        except (InvalidOperation, ValueError):
            score = None
        if score is None or not score.is_finite() or score < 0 or score > 1000:
            refuse(
                f"{where}: the score of {instrument} must be a number.",
                code=AuthorizationsErrorCode.INVALID_SCORES,
                field="standardized_scores",
            )
        try:
            day = dt.date.fromisoformat(str(row.get("date") or "").strip())
        except ValueError:
            day = None
        if day is None or day > today:
            refuse(
                f"{where}: give the date {instrument} was taken (not in the future).",
                code=AuthorizationsErrorCode.INVALID_SCORES,
                field="standardized_scores",
            )
        cleaned.append(
            {"instrument": instrument, "score": float(score) if score % 1 else int(score), "date": day.isoformat()}
        )
    return cleaned


@transaction.atomic
def review_clinical_update(*, review: ConcurrentReview, data: dict[str, Any], actor: User | None) -> ConcurrentReview:
    """Save the clinical fields given in `data` (others stay as they are) on an open review."""
    review = review_locked(review)
    review_open_check(review)
    changed = []
    for name in CLINICAL_TEXT_FIELDS:
        if name in data:
            value = (data[name] or "").replace("\r\n", "\n").strip()
            if name == "criteria_cited" and len(value) > 120:
                refuse(
                    "Name the criteria set in at most 120 characters.",
                    code=AuthorizationsErrorCode.TEXT_TOO_LONG,
                    field="criteria_cited",
                )
            setattr(review, name, value)
            changed.append(name)
    if "standardized_scores" in data:
        review.standardized_scores = scores_clean(data["standardized_scores"], today=review.organization.local_today())
        changed.append("standardized_scores")
    if changed:
        review.save(update_fields=[*changed, "updated_at"])
    return review
