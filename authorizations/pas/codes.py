"""The canonical URLs and code systems of the Da Vinci Prior Authorization Support (PAS) IG, STU 2.x,
on FHIR R4, as its FSH sources name them (HL7/davinci-pas `input/fsh/*.fsh`). One place, so the
writer, the reader and the checks cannot disagree about a URL."""

from __future__ import annotations

from authorizations.models import CertificationType, SubscriberRelationship, UnitType, Urgency

PAS = "http://hl7.org/fhir/us/davinci-pas"
US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition"


def profile(name: str) -> str:
    return f"{PAS}/StructureDefinition/{name}"


def extension(name: str) -> str:
    return f"{PAS}/StructureDefinition/extension-{name}"


# Profiles (meta.profile of what we write; checked on what we read).
REQUEST_BUNDLE = profile("profile-pas-request-bundle")
RESPONSE_BUNDLE = profile("profile-pas-response-bundle")
CLAIM = profile("profile-claim")
CLAIM_RESPONSE = profile("profile-claimresponse")
BENEFICIARY = profile("profile-beneficiary")
SUBSCRIBER = profile("profile-subscriber")
COVERAGE = profile("profile-coverage")
INSURER = profile("profile-insurer")
REQUESTOR = profile("profile-requestor")
PRACTITIONER = profile("profile-practitioner")
PRACTITIONER_ROLE = profile("profile-practitionerrole")
# PAS has no Condition profile (PASClaim carries diagnoses as codes); the bundle's Conditions are US Core's.
CONDITION = f"{US_CORE}/us-core-condition-problems-health-concerns"
DOCUMENT_REFERENCE = f"{US_CORE}/us-core-documentreference"

# Extensions.
EXT_LEVEL_OF_SERVICE = extension("levelOfServiceCode")
EXT_CERTIFICATION_TYPE = extension("certificationType")
EXT_REQUEST_TYPE = extension("serviceItemRequestType")
EXT_AUTHORIZATION_NUMBER = extension("authorizationNumber")
EXT_ADMINISTRATION_REFERENCE = extension("administrationReferenceNumber")
EXT_ITEM_TRACE_NUMBER = extension("itemTraceNumber")
EXT_CARE_TEAM_SCOPE = extension("careTeamClaimScope")
EXT_DIAGNOSIS_RECORDED = extension("diagnosisRecordedDate")
EXT_IDENTIFIER_JURISDICTION = extension("identifierJurisdiction")
EXT_REVIEW_ACTION = extension("reviewAction")
EXT_REVIEW_ACTION_CODE = extension("reviewActionCode")
EXT_PRE_AUTH_PERIOD = extension("itemPreAuthPeriod")
EXT_PRE_AUTH_ISSUE_DATE = extension("itemPreAuthIssueDate")
EXT_AUTHORIZED_DETAIL = extension("itemAuthorizedDetail")

# Code systems.
X12 = "https://codesystem.x12.org/005010"
X12_SERVICE_TYPE = f"{X12}/1365"  # UM03 / item.category
X12_CERTIFICATION_TYPE = f"{X12}/1322"  # UM02
X12_REQUEST_CATEGORY = f"{X12}/1525"  # UM01
X12_LEVEL_OF_SERVICE = f"{X12}/1338"  # UM06
X12_ENTITY = f"{X12}/98"  # NM101
X12_RELATIONSHIP = f"{X12}/1069"  # INS02
X12_UNIT = f"{X12}/355"  # unit or basis of measurement
X12_ACTION = f"{X12}/306"  # HCR01
X12_REASON = "https://codesystem.x12.org/external/886"  # HCR03
PAS_TEMP = f"{PAS}/CodeSystem/PASTempCodes"
ICD10_CM = "http://hl7.org/fhir/sid/icd-10-cm"
CPT = "http://www.ama-assn.org/go/cpt"
HCPCS = "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
NUBC_REVENUE = "https://www.nubc.org/CodeSystem/RevenueCodes"
PLACE_OF_SERVICE = "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set"
NPI = "http://hl7.org/fhir/sid/us-npi"
USPS = "https://www.usps.com/"
CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"
PROCESS_PRIORITY = "http://terminology.hl7.org/CodeSystem/processpriority"
IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
PAYER_ID_TYPE = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBIdentifierType"
COVERAGE_CLASS = "http://terminology.hl7.org/CodeSystem/coverage-class"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
DOCUMENT_CATEGORY = "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
ADJUDICATION = "http://terminology.hl7.org/CodeSystem/adjudication"
URI = "urn:ietf:rfc:3986"  # an identifier whose value is itself a URI (our urn:uuid ids)

# UM01: a prior authorization of outpatient services is a health services review.
REQUEST_CATEGORY_HEALTH_SERVICES = "HS"

CERTIFICATION_TYPES: dict[str, str] = {
    CertificationType.INITIAL: "Initial",
    CertificationType.RENEWAL: "Renewal",
    CertificationType.EXTENSION: "Extension",
    CertificationType.REVISED: "Revised",
}
# UM06 level of service: an expedited request is urgent, a standard one elective.
LEVEL_OF_SERVICE: dict[str, tuple[str, str]] = {Urgency.EXPEDITED: ("U", "Urgent"), Urgency.STANDARD: ("E", "Elective")}
PRIORITY: dict[str, str] = {Urgency.EXPEDITED: "stat", Urgency.STANDARD: "normal"}
# INS02 individual relationship code of the patient to the subscriber.
RELATIONSHIP: dict[str, tuple[str, str]] = {
    SubscriberRelationship.SELF: ("18", "Self"),
    SubscriberRelationship.SPOUSE: ("01", "Spouse"),
    SubscriberRelationship.CHILD: ("19", "Child"),
    SubscriberRelationship.OTHER: ("G8", "Other Relationship"),
}
# Element 355: a per-diem line counts days; every other unit (session, 15 minutes, evaluation,
# instrument) is a unit of the code's own definition.
UNIT: dict[str, tuple[str, str]] = {
    UnitType.PER_DIEM: ("DA", "Days"),
    UnitType.PER_SESSION: ("UN", "Unit"),
    UnitType.PER_15_MIN: ("UN", "Unit"),
    UnitType.PER_EVALUATION: ("UN", "Unit"),
    UnitType.PER_INSTRUMENT: ("UN", "Unit"),
}
# Element 1365 service types of a request line (item.category).
SERVICE_TYPE_MENTAL_HEALTH = ("MH", "Mental Health")
SERVICE_TYPE_SUBSTANCE_USE = ("AI", "Substance Abuse")
