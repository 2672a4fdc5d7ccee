"""Building a request: created from the episode's treatment plan against the client's coverage, its
details, diagnoses (ICD-10-CM, primary first) and attachments — while it is a draft."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, NoReturn

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from authorizations.codes import icd10_normalize
from authorizations.errors import AuthorizationsErrorCode
from authorizations.models import (
    AuthorizationRequest,
    CertificationType,
    Coverage,
    Diagnosis,
    RequestAttachment,
    RequestPacket,
    RequestStatus,
    ServiceLine,
    ServiceTrack,
    Urgency,
)
from authorizations.requests.selectors import (
    codes_by_value,
    coverage_covers,
    coverage_window_text,
    fees_of,
    open_couple_of,
    plan_of,
    rule_in_effect,
    rules_of,
)
from authorizations.requests.services.editing import (
    request_back_to_draft,
    request_ensure_editable,
    request_locked,
    window_check,
)
from authorizations.requests.services.lines import line_compute, track_lines_build
from iop.clients.models import OPEN_EPISODE_STATUSES, Episode
from iop.common.dates import date_full
from iop.common.exceptions import refuse
from iop.common.uploads import FileType, UploadRefusal, UploadRefused, UploadValidator

if TYPE_CHECKING:
    from iop.accounts.models import User

# --- Constants of the software (not of any payer) --------------------------------------------------

# When the payer has no rule on file: the request asks for two weeks.
DEFAULT_REQUEST_DAYS = 14
# X12 278 HI carries at most 12 diagnoses.
MAX_DIAGNOSES = 12
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024

OTHER_COMPONENTS = {
    "stay": "Stay (supportive housing while in the program)",
    "meals": "Meals on program days",
    "medical_visits": "Medical visits",
    "sober_activities": "Sober activities",
    "transportation": "Transportation to sessions",
}

# Attachments: what a payer accepts (PDF, images, Word), recognised by their first bytes and then
# looked into (iop/common/uploads.py: a Word document is a zip, checked as one; a PDF is parsed).
ATTACHMENT_TYPES = {
    ".pdf": FileType("application/pdf", (b"%PDF-",)),
    ".png": FileType("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": FileType("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": FileType("image/jpeg", (b"\xff\xd8\xff",)),
    ".tif": FileType("image/tiff", (b"II*\x00", b"MM\x00*")),
    ".tiff": FileType("image/tiff", (b"II*\x00", b"MM\x00*")),
    ".docx": FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
}
# The attachment forms' and serializers' validator; `attachment_add` runs it too (free: it keeps
# its verdict on the upload).
attachment_validator = UploadValidator(
    types=ATTACHMENT_TYPES,
    max_bytes=MAX_ATTACHMENT_BYTES,
    accepted="a PDF, an image (PNG, JPEG, TIFF) or a Word document (.docx)",
)
# Why the validator refused, as this app's refusal codes (stable for integrations).
_ATTACHMENT_REFUSALS = {
    UploadRefusal.EMPTY: AuthorizationsErrorCode.ATTACHMENT_EMPTY,
    UploadRefusal.TOO_LARGE: AuthorizationsErrorCode.ATTACHMENT_TOO_LARGE,
    UploadRefusal.TYPE: AuthorizationsErrorCode.ATTACHMENT_TYPE,
    UploadRefusal.ARCHIVE: AuthorizationsErrorCode.ATTACHMENT_ARCHIVE,
    UploadRefusal.PDF: AuthorizationsErrorCode.ATTACHMENT_PDF,
}


# --- Creating a request ------------------------------------------------------------------------------


def _check_coverage(*, episode: Episode, coverage: Coverage, start: dt.date, field: str = "coverage") -> None:
    if coverage.client_id != episode.client_id:
        refuse(
            "That coverage belongs to another client: a request must be against the client's own coverage.",
            code=AuthorizationsErrorCode.COVERAGE_OF_ANOTHER_CLIENT,
            field=field,
        )
    if not coverage_covers(coverage, start):
        refuse(
            f"The coverage is not in effect on {date_full(start)} (it runs {coverage_window_text(coverage)}).",
            code=AuthorizationsErrorCode.COVERAGE_NOT_IN_EFFECT,
            field=field,
        )


def _open_episode(episode: Episode, *, field: str = "episode") -> None:
    if episode.status not in OPEN_EPISODE_STATUSES:
        refuse(
            f"The episode of care is {episode.get_status_display().lower()}: start a request for an open episode.",
            code=AuthorizationsErrorCode.EPISODE_NOT_OPEN,
            field=field,
        )


@transaction.atomic
def request_create(
    *,
    episode: Episode,
    coverage: Coverage,
    actor: User | None,
    start_date: dt.date | None = None,
    urgency: str = Urgency.STANDARD,
    certification_type: str = CertificationType.INITIAL,
    packet: RequestPacket | None = None,
    couples_line: bool | None = None,
) -> AuthorizationRequest:
    """A draft request built from the episode's treatment plan: its level of care; dates from
    `start_date` (default today) for the payer rule's initial authorization length (else two
    weeks); one line per plan track with the track's default code, plus the intake assessment;
    the ESA note and the goals as the clinical summary. The couples-therapy line goes only on the
    request of a couple's identified patient; `couples_line` (packets) forces it on or off."""
    organization = episode.organization
    start = start_date or organization.local_today()
    _open_episode(episode)
    _check_coverage(episode=episode, coverage=coverage, start=start)
    if urgency not in Urgency.values:
        refuse("Choose standard or expedited.", code=AuthorizationsErrorCode.INVALID_URGENCY, field="urgency")
    if certification_type not in CertificationType.values:
        refuse(
            "Choose a certification type.",
            code=AuthorizationsErrorCode.INVALID_CERTIFICATION_TYPE,
            field="certification_type",
        )
    plan = plan_of(episode)
    if plan is None:
        refuse(
            "The episode has no treatment plan yet: add one first (the request is built from it).",
            code=AuthorizationsErrorCode.NO_TREATMENT_PLAN,
            field="episode",
        )
    rule = rule_in_effect(coverage=coverage, rules=rules_of(coverage), level_of_care=episode.level_of_care, on=start)
    days = rule.initial_authorization_days if rule is not None else DEFAULT_REQUEST_DAYS
    request = AuthorizationRequest(
        organization_id=organization.pk,
        episode=episode,
        coverage=coverage,
        packet=packet,
        certification_type=certification_type,
        urgency=urgency,
        level_of_care=episode.level_of_care,
        start_date=start,
        end_date=start + dt.timedelta(days=days - 1),
        clinical_summary=plan.goals,
        emotional_support_animal_note=plan.emotional_support_animal_note,
        created_by=actor,
    )
    request.save()
    if couples_line is None:
        # Couples therapy is billed as family psychotherapy under one identified patient only;
        # the other partner is a participant, not a second billable patient.
        couple = open_couple_of(episode.client) if ServiceTrack.COUPLES in plan.tracks else None
        couples_line = couple is not None and couple.identified_patient_id == episode.client_id
    include_couples = couples_line
    lines = track_lines_build(
        request=request, plan=plan, codes=codes_by_value(organization), include_couples=include_couples
    )
    fees = fees_of(coverage.payer_id, [line.code for line in lines])
    ServiceLine.objects.bulk_create([line_compute(line, payer_id=coverage.payer_id, fees=fees) for line in lines])
    return request


@transaction.atomic
def request_update(*, request: AuthorizationRequest, data: dict, actor: User | None = None) -> AuthorizationRequest:
    """Change the request's narrative and dates (`why_not_lower_level`, `why_not_higher_level`,
    `clinical_summary`, `emotional_support_animal_note`, `other_components`, `urgency`,
    `certification_type`, `start_date`, `end_date`). Lines that covered the whole old window
    follow the new one; any other line must fit in it."""
    request = request_locked(request)
    request_ensure_editable(request)
    text_fields = ("why_not_lower_level", "why_not_higher_level", "clinical_summary", "emotional_support_animal_note")
    for name in text_fields:
        if name in data:
            setattr(request, name, (data[name] or "").strip())
    if "other_components" in data:
        unknown = [c for c in data["other_components"] if c not in OTHER_COMPONENTS]
        if unknown:
            refuse(
                "Choose components from the list.",
                code=AuthorizationsErrorCode.INVALID_COMPONENT,
                field="other_components",
            )
        request.other_components = [c for c in OTHER_COMPONENTS if c in set(data["other_components"])]
    if "urgency" in data:
        if data["urgency"] not in Urgency.values:
            refuse("Choose standard or expedited.", code=AuthorizationsErrorCode.INVALID_URGENCY, field="urgency")
        request.urgency = data["urgency"]
    if "certification_type" in data:
        if data["certification_type"] not in CertificationType.values:
            refuse(
                "Choose a certification type.",
                code=AuthorizationsErrorCode.INVALID_CERTIFICATION_TYPE,
                field="certification_type",
            )
        request.certification_type = data["certification_type"]
    old = (request.start_date, request.end_date)
    start, end = data.get("start_date") or old[0], data.get("end_date") or old[1]
    if (start, end) != old:
        window_check(start, end)
        if start != old[0]:
            _check_coverage(episode=request.episode, coverage=request.coverage, start=start, field="start_date")
        _move_lines(request, old=old, new=(start, end))
        request.start_date, request.end_date = start, end
    if request.status == RequestStatus.READY:
        request.status = RequestStatus.DRAFT
    request.save()
    return request


def _move_lines(request: AuthorizationRequest, *, old: tuple, new: tuple) -> None:
    lines = list(request.lines.all())
    moved, outside = [], []
    for line in lines:
        if (line.start_date, line.end_date) == old:
            line.start_date, line.end_date = new
            moved.append(line)
        elif line.start_date == old[0] and line.end_date == old[0]:  # a one-day line on the first day
            line.start_date = line.end_date = new[0]
            moved.append(line)
        elif line.start_date < new[0] or line.end_date > new[1]:
            outside.append(line.code)
    if outside:
        refuse(
            f"Lines {', '.join(outside)} fall outside the new dates: change or remove them first.",
            code=AuthorizationsErrorCode.LINES_OUTSIDE_WINDOW,
            field="start_date",
        )
    if moved:
        fees = fees_of(request.coverage.payer_id, [line.code for line in moved])
        for line in moved:
            line_compute(line, payer_id=request.coverage.payer_id, fees=fees)
        ServiceLine.objects.bulk_update(
            moved, ["start_date", "end_date", "estimated_sessions", "unit_rate", "projected_cost"]
        )


# --- Diagnoses ---------------------------------------------------------------------------------------


def _normalized_icd10(code: str) -> str:
    try:
        return icd10_normalize(code or "")
    except ValidationError as exc:
        refuse(exc.messages[0], code=AuthorizationsErrorCode.INVALID_ICD10, field="code")


@transaction.atomic
def diagnosis_add(
    *, request: AuthorizationRequest, code: str, description: str = "", actor: User | None = None
) -> Diagnosis:
    """Add an ICD-10-CM diagnosis after the others (the first one added is the primary)."""
    request = request_locked(request)
    request_ensure_editable(request)
    normalized = _normalized_icd10(code)
    existing = list(request.diagnoses.all())
    if any(d.code == normalized for d in existing):
        refuse(
            f"{normalized} is already on the request.", code=AuthorizationsErrorCode.DUPLICATE_DIAGNOSIS, field="code"
        )
    if len(existing) >= MAX_DIAGNOSES:
        refuse(
            f"A request holds at most {MAX_DIAGNOSES} diagnoses.",
            code=AuthorizationsErrorCode.TOO_MANY_DIAGNOSES,
            field="code",
        )
    diagnosis = Diagnosis.objects.create(
        organization_id=request.organization_id,
        request=request,
        code=normalized,
        description=(description or "").strip()[:200],
        sequence=max((d.sequence for d in existing), default=0) + 1,
    )
    request_back_to_draft(request)
    return diagnosis


def _resequence(request: AuthorizationRequest, ordered: list[Diagnosis]) -> None:
    # Two steps: sequences are unique per request and checked row by row, so a swap would clash.
    Diagnosis.objects.filter(request=request).update(sequence=F("sequence") + 100)
    for number, diagnosis in enumerate(ordered, start=1):
        diagnosis.sequence = number
    Diagnosis.objects.bulk_update(ordered, ["sequence"])


@transaction.atomic
def diagnosis_remove(*, request: AuthorizationRequest, diagnosis: Diagnosis, actor: User | None = None) -> None:
    """Remove a diagnosis; the others close up (the next one becomes primary if it was)."""
    request = request_locked(request)
    request_ensure_editable(request)
    if diagnosis.request_id != request.pk:
        refuse("That diagnosis is not on this request.", code=AuthorizationsErrorCode.NOT_FOUND, field="__all__")
    diagnosis.delete()
    _resequence(request, list(request.diagnoses.order_by("sequence")))
    request_back_to_draft(request)


@transaction.atomic
def diagnoses_reorder(*, request: AuthorizationRequest, order: Sequence, actor: User | None = None) -> list[Diagnosis]:
    """Put the request's diagnoses in `order` (their ids; the first is the primary). Every
    diagnosis of the request, once each."""
    request = request_locked(request)
    request_ensure_editable(request)
    by_id = {str(d.pk): d for d in request.diagnoses.all()}
    wanted = [str(i) for i in order]
    if sorted(wanted) != sorted(by_id) or len(set(wanted)) != len(wanted):
        refuse(
            "List every diagnosis of the request once, primary first.",
            code=AuthorizationsErrorCode.INVALID_ORDER,
            field="order",
        )
    ordered = [by_id[i] for i in wanted]
    _resequence(request, ordered)
    request_back_to_draft(request)
    return ordered


@transaction.atomic
def diagnosis_move(
    *, request: AuthorizationRequest, diagnosis: Diagnosis, up: bool, actor: User | None = None
) -> list[Diagnosis]:
    """Move a diagnosis one place up (toward primary) or down."""
    request = request_locked(request)
    ordered = list(request.diagnoses.order_by("sequence"))
    index = next((i for i, d in enumerate(ordered) if d.pk == diagnosis.pk), None)
    if index is None:
        refuse("That diagnosis is not on this request.", code=AuthorizationsErrorCode.NOT_FOUND, field="__all__")
    other = index - 1 if up else index + 1
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    return diagnoses_reorder(request=request, order=[d.pk for d in ordered], actor=actor)


# --- Attachments ------------------------------------------------------------------------------------


def _refuse_attachment(message: str, code: AuthorizationsErrorCode) -> NoReturn:
    refuse(message, code=code, field="file")


def attachment_content_type(upload) -> str:
    """What the upload is (its content type), or refused (ApplicationError on `file`) when it is
    not a PDF, an image or a Word document, is larger than 10 MB, or does not pass the content
    checks of `iop.common.uploads` (a zip bomb, a damaged or encrypted document)."""
    try:
        return attachment_validator.content_type(upload)
    except UploadRefused as exc:
        _refuse_attachment(exc.messages[0], _ATTACHMENT_REFUSALS[exc.refusal])


@transaction.atomic
def attachment_add(*, request: AuthorizationRequest, upload, actor: User | None) -> RequestAttachment:
    """Keep a file with the request (private storage, a random path: never the client's name).
    Up to 10 MB; PDF, images and Word documents, checked inside before anything is stored
    (`attachment_content_type`). Allowed until the request is determined."""
    request = request_locked(request)
    if request.status == RequestStatus.DETERMINED:
        refuse(
            "The request is determined: no more attachments.", code=AuthorizationsErrorCode.NOT_EDITABLE, field="file"
        )
    if upload is None:
        refuse("Choose a file to attach.", code=AuthorizationsErrorCode.NO_FILE, field="file")
    content_type = attachment_content_type(upload)
    name = upload.name.replace("\\", "/").rsplit("/", 1)[-1].strip()[:200] or "attachment"
    attachment = RequestAttachment(
        organization_id=request.organization_id,
        request=request,
        name=name,
        content_type=content_type,
        size=upload.size,
        uploaded_by=actor,
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    return attachment


@transaction.atomic
def attachment_remove(*, attachment: RequestAttachment, actor: User | None = None) -> None:
    request = request_locked(attachment.request)
    request_ensure_editable(request)
    storage, path = attachment.file.storage, attachment.file.name
    attachment.delete()
    if path:
        transaction.on_commit(partial(storage.delete, path))
