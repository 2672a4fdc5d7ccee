"""Service codes for request lines and ICD-10-CM format validation.

The defaults are the usual IOP codes (program per diems, group and individual psychotherapy,
family/couples psychotherapy, medication management, assessments); an organization replaces them
by saving its own list in Django admin (authorizations.ServiceCode)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

from authorizations.models import CodeSystem, ServiceCode, ServiceTrack, UnitType

C, T, U = CodeSystem, ServiceTrack, UnitType
_DEFAULTS = (
    (C.HCPCS, "S9480", "Intensive outpatient psychiatric services, per diem", T.PROGRAM, U.PER_DIEM),
    (C.HCPCS, "H0015", "Alcohol and/or drug services; intensive outpatient", T.PROGRAM, U.PER_DIEM),
    (C.CPT, "90853", "Group psychotherapy", T.GROUP, U.PER_SESSION),
    (C.CPT, "90834", "Psychotherapy, 45 minutes", T.INDIVIDUAL, U.PER_SESSION),
    (C.CPT, "90837", "Psychotherapy, 60 minutes", T.INDIVIDUAL, U.PER_SESSION),
    (C.CPT, "90847", "Family (conjoint) psychotherapy with patient present", T.COUPLES, U.PER_SESSION),
    (C.HCPCS, "H0005", "Alcohol and/or drug services; group counseling", T.SUD_COUNSELING, U.PER_SESSION),
    (C.HCPCS, "H0004", "Behavioral health counseling and therapy, per 15 minutes", T.SUD_COUNSELING, U.PER_15_MIN),
    (C.CPT, "99213", "Established-patient visit (medication management)", T.MEDICATION_MANAGEMENT, U.PER_SESSION),
    (C.CPT, "90791", "Psychiatric diagnostic evaluation", T.ASSESSMENT, U.PER_EVALUATION),
    (C.CPT, "96127", "Brief emotional/behavioral assessment, per instrument", T.ASSESSMENT, U.PER_INSTRUMENT),
    (C.HCPCS, "H0001", "Alcohol and/or drug assessment", T.ASSESSMENT, U.PER_EVALUATION),
)  # fmt: skip

DEFAULT_SERVICE_CODES = tuple(
    ServiceCode(code_system=system, code=code, descriptor=descriptor, track=track, unit_type=unit)
    for system, code, descriptor, track, unit in _DEFAULTS
)


def service_codes(*, organization) -> list[ServiceCode]:
    """The organization's active codes; the defaults until it has saved any."""
    saved = list(ServiceCode.objects.filter(organization=organization, is_active=True))
    return saved or list(DEFAULT_SERVICE_CODES)


# ICD-10-CM: a letter, a digit, a letter or digit, then optionally a dot and 1–4 letters or digits
# (e.g. F33.1, F10.20, Z63.0, T40.1X1A). Format only: whether the code exists is the payer's check.
_ICD10_CM = re.compile(r"^[A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")


def icd10_normalize(value: str) -> str:
    """Upper-case, with the dot after the third character (F331 → F33.1); raises ValidationError
    for anything that is not ICD-10-CM in form."""
    code = value.strip().upper().replace(" ", "")
    if "." not in code and len(code) > 3:
        code = f"{code[:3]}.{code[3:]}"
    if not _ICD10_CM.match(code):
        raise ValidationError(f"“{value.strip()}” is not an ICD-10-CM code (for example F33.1 or F10.20).")
    return code
