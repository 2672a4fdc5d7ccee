"""The census import: a good file imports every row through the services (client, episode
admitted, treatment plan, coverage, status history); a file with bad rows changes nothing and
names each bad row by its line; the good-only choice imports just the good rows; a second upload
duplicates nothing; another organization's program and payer names are not matched; the page's
preview keeps PHI out of URLs; the roles without `client.create` get 403."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from authorizations.census_files.services import ImportMode, RowStatus, census_import, census_template_csv
from authorizations.models import Coverage
from iop.audit.models import AccessEvent
from iop.clients.models import Client, Episode, EpisodeStatus, EpisodeStatusChange, TreatmentPlan
from iop.common.exceptions import ApplicationError
from iop.tenancy.context import tenant_context

from .conftest import census_csv

pytestmark = pytest.mark.django_db

PAGE = "/o/harbor/authorizations/census/import/"
API = "/api/v1/o/harbor/census-imports/"


def counts():
    return (Client.objects.count(), Episode.objects.count(), Coverage.objects.count())


def run(harbor, content: bytes, mode=ImportMode.PREVIEW, actor=None):
    with tenant_context(harbor.id):
        return census_import(organization=harbor, content=content, actor=actor, mode=mode)


def test_a_good_file_imports_every_row_through_the_services(harbor, in_harbor, row, payer, harbor_program, today):
    referred_only = row(admission_date="", payer="", member_id="", coverage_start="", date_of_birth="04/30/1992")
    admitted = row(payer=payer.payer_id.lower(), coverage_end=f"{today.year + 1}-12-31", priority="Primary")

    result = run(harbor, census_csv(admitted, referred_only), ImportMode.ALL)

    assert result.imported and not result.bad
    assert (result.created_clients, result.created_coverages, result.admitted) == (2, 1, 1)
    assert counts() == (2, 2, 1)
    first = Client.objects.get(first_name=admitted["first_name"])
    episode = first.episodes.get()
    assert episode.status == EpisodeStatus.ACTIVE and episode.program == harbor_program
    assert episode.admission_date == today - dt.timedelta(days=14)
    assert [c.to_status for c in EpisodeStatusChange.objects.filter(episode=episode).order_by("changed_at")] == [
        "referred",
        "intake",
        "active",
    ]
    # The intake service's plan, with the program's weekly defaults.
    plan = TreatmentPlan.objects.get(episode=episode)
    assert plan.required_hours_per_week == harbor_program.default_min_weekly_hours
    coverage = first.coverages.get()
    assert (coverage.payer, coverage.member_id, coverage.priority) == (payer, admitted["member_id"], "primary")
    second = Client.objects.get(first_name=referred_only["first_name"])
    assert second.date_of_birth == dt.date(1992, 4, 30)
    assert second.episodes.get().status == EpisodeStatus.REFERRED and not second.coverages.exists()
    # The change history of PHI models applies (pghistory triggers).
    assert first.events.filter(pgh_label="insert").exists()


def test_a_file_with_bad_rows_changes_nothing_and_names_each_bad_row(harbor, in_harbor, row, today):
    rows = [
        row(),  # line 2: good
        row(date_of_birth=""),  # 3
        row(date_of_birth="31/02/1990"),  # 4
        row(program="Teen IOP"),  # 5
        row(payer="Acme Insurance"),  # 6
        row(member_id=""),  # 7
        row(admission_date=(today - dt.timedelta(days=30)).isoformat()),  # 8: before the referral
        row(coverage_start=f"{today.year}-06-01", coverage_end=f"{today.year}-01-01"),  # 9
        row(date_of_birth=(today + dt.timedelta(days=1)).isoformat()),  # 10
    ]
    duplicate = dict(rows[0], member_id="OTHER1")  # 11: the same client as line 2
    content = census_csv(*rows, duplicate)

    preview = run(harbor, content)
    refused = run(harbor, content, ImportMode.ALL)

    assert counts() == (0, 0, 0)
    for result in (preview, refused):
        assert not result.imported
        assert [r.line for r in result.good] == [2]
        problems = {r.line: " ".join(r.problems) for r in result.bad}
        assert problems == {
            3: "Date of birth is missing.",
            4: "Date of birth “31/02/1990” is not a date (YYYY-MM-DD or MM/DD/YYYY).",
            5: "Unknown program “Teen IOP”.",
            6: "Unknown payer “Acme Insurance”.",
            7: "Member id is missing.",
            8: "Admission date is before the referral date.",
            9: "Coverage end is before the coverage start.",
            10: "Date of birth is in the future.",
            11: "Duplicate client: the same client as line 2.",
        }


def test_the_good_only_choice_imports_just_the_good_rows(harbor, in_harbor, row):
    good, bad, also_good = row(), row(program="Teen IOP"), row(admission_date="")

    result = run(harbor, census_csv(good, bad, also_good), ImportMode.GOOD_ONLY)

    assert result.imported
    assert [r.line for r in result.good] == [2, 4] and [r.line for r in result.bad] == [3]
    assert set(Client.objects.values_list("first_name", flat=True)) == {good["first_name"], also_good["first_name"]}
    assert all(r.client_id for r in result.good)


def test_a_services_refusal_at_import_is_named_on_its_row(harbor, in_harbor, row, monkeypatch):
    """The checks hold the services' rules for a new client; should a service still refuse a row
    (a rule added later), the import names it on that row: "all" then writes nothing."""
    from authorizations.census_files import services as census_services
    from authorizations.errors import AuthorizationsErrorCode
    from iop.common.exceptions import refuse

    real = census_services.coverage_create

    def strict(**kwargs):
        if kwargs["member_id"] == "REFUSED":
            refuse("The payer refuses this member.", code=AuthorizationsErrorCode.MEMBER_ID_REQUIRED, field="member_id")
        return real(**kwargs)

    monkeypatch.setattr(census_services, "coverage_create", strict)
    content = census_csv(row(), row(member_id="REFUSED"))

    refused = run(harbor, content, ImportMode.ALL)
    assert counts() == (0, 0, 0) and not refused.imported
    assert [(r.line, r.problems) for r in refused.bad] == [(3, ["The payer refuses this member."])]

    partial = run(harbor, content, ImportMode.GOOD_ONLY)
    assert counts() == (1, 1, 1) and [r.line for r in partial.good] == [2]


def test_uploading_the_same_file_again_duplicates_nothing(harbor, in_harbor, row):
    first, second = row(), row()
    content = census_csv(first, second)
    run(harbor, content, ImportMode.ALL)
    before = counts()

    again = run(harbor, content, ImportMode.ALL)
    # The same member id under another spelling of the name: still the same client.
    renamed = run(harbor, census_csv(dict(first, first_name="Anna", last_name="Lindquist")), ImportMode.ALL)

    assert counts() == before == (2, 2, 2)
    assert not again.imported and [r.status for r in again.rows] == [RowStatus.EXISTING, RowStatus.EXISTING]
    assert {r.client_id for r in again.rows} == set(Client.objects.values_list("pk", flat=True))
    assert renamed.rows[0].status == RowStatus.EXISTING
    assert "member id" in renamed.rows[0].note


def test_another_organizations_program_and_payer_are_not_matched(harbor, in_harbor, row, summit_names):
    result = run(harbor, census_csv(row(program="Summit Day Program", payer="Prairie Health")), ImportMode.ALL)

    assert counts() == (0, 0, 0)
    assert result.bad[0].problems == ["Unknown program “Summit Day Program”.", "Unknown payer “Prairie Health”."]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"first_name,last_name,program\nA,B,C\n", "missing: date_of_birth, referral_date"),
        (b"first_name,last_name,date_of_birth,program,referral_date,membr_id\n", "Unknown columns: membr_id"),
        (b"first_name,last_name,date_of_birth,program,referral_date\n", "no rows under its header"),
        ("first_name\nJos\xe9\n".encode("latin-1"), "not UTF-8"),
    ],
)
def test_a_file_that_is_no_census_is_refused_whole(harbor, in_harbor, content, message):
    with pytest.raises(ApplicationError) as refused:
        run(harbor, content)
    assert refused.value.code == "census_file_invalid" and message in refused.value.message


def test_the_template_names_every_column_with_an_example_that_reads_as_a_good_row(harbor, in_harbor):
    header, example = census_template_csv().splitlines()
    assert header.split(",")[:4] == ["first_name", "last_name", "preferred_name", "date_of_birth"]
    assert "Jordan" in example


# --- The pages ---------------------------------------------------------------------------------------


def test_the_page_previews_then_imports_with_phi_only_in_bodies(as_intake, harbor, in_harbor, row):
    good, bad = row(), row(member_id="")
    upload = SimpleUploadedFile("census.csv", census_csv(good, bad), content_type="text/csv")

    preview = as_intake.post(PAGE, {"file": upload})

    body = preview.content.decode()
    assert preview.status_code == 200 and 'data-testid="census-preview"' in body
    assert "Line 3 (Lindqvist, " in body and "Member id is missing." in body
    assert counts() == (0, 0, 0)
    text = preview.context["commit_form"].initial["content"]
    # With a bad row nothing is chosen for the person: importing needs their explicit choice.
    assert "checked" not in body.split('name="mode"', 1)[1].split("</fieldset>")[0]
    unchosen = as_intake.post(PAGE + "commit/", {"content": text})
    assert unchosen.status_code == 422 and "Choose what to import" in unchosen.content.decode()
    assert 'data-testid="bad-rows"' in unchosen.content.decode()

    refused = as_intake.post(PAGE + "commit/", {"content": text, "mode": "all"})
    assert refused.status_code == 422 and "Nothing was imported" in refused.content.decode()
    assert counts() == (0, 0, 0)

    imported = as_intake.post(PAGE + "commit/", {"content": text, "mode": "good_only"})
    assert imported.status_code == 200 and "Imported 1 client(s)" in imported.content.decode()
    assert Client.objects.get().first_name == good["first_name"]
    for response in (preview, refused, imported):
        assert good["first_name"] not in response.request.get("QUERY_STRING", "")
        assert response.request["PATH_INFO"].startswith(PAGE)

    # The good row is on file now: nothing left to import, and the bad row is still named.
    again = as_intake.post(PAGE + "commit/", {"content": text, "mode": "good_only"})
    assert again.status_code == 422 and Client.objects.count() == 1
    assert 'data-testid="existing-rows"' in again.content.decode()
    assert AccessEvent.objects.filter(action="list", object_type="clients.Client").exists()


def test_the_page_refuses_a_file_that_is_not_a_csv(as_intake, harbor, in_harbor):
    response = as_intake.post(PAGE, {})
    assert response.status_code == 422 and "This field is required." in response.content.decode()
    xlsx = SimpleUploadedFile("census.csv", b"PK\x03\x04" + b"\x00" * 40)
    response = as_intake.post(PAGE, {"file": xlsx})
    assert response.status_code == 422 and "not text" in response.content.decode()
    response = as_intake.post(PAGE, {"file": SimpleUploadedFile("census.pdf", b"%PDF-1.7")})
    assert response.status_code == 422 and "Attach a CSV file (.csv)." in response.content.decode()


def test_the_template_downloads_and_the_clients_list_links_the_page(as_intake, harbor):
    response = as_intake.get(PAGE + "template.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert b"first_name,last_name" in response.content
    assert PAGE in as_intake.get("/o/harbor/clients/").content.decode()


@pytest.mark.parametrize("role_client", ["as_va", "as_clinician"])
def test_roles_without_client_create_get_403(request, role_client, harbor, in_harbor, row):
    browser = request.getfixturevalue(role_client)
    assert browser.get(PAGE).status_code == 403
    upload = SimpleUploadedFile("census.csv", census_csv(row()))
    assert browser.post(PAGE, {"file": upload}).status_code == 403
    assert browser.post(PAGE + "commit/", {"content": "x", "mode": "all"}).status_code == 403
    assert counts() == (0, 0, 0)


# --- The API -----------------------------------------------------------------------------------------


def test_the_api_previews_refuses_and_imports(api, harbor_intake, harbor_va, harbor, in_harbor, row):
    intake = api(harbor_intake)
    good, bad = row(), row(date_of_birth="yesterday")

    def post(mode):
        upload = SimpleUploadedFile("census.csv", census_csv(good, bad))
        return intake.post(API, {"file": upload, "mode": mode}, format="multipart")

    preview = post("preview")
    assert preview.status_code == 200 and not preview.json()["imported"]
    assert [(r["line"], r["status"]) for r in preview.json()["rows"]] == [(2, "new"), (3, "bad")]

    refused = post("all")
    assert refused.status_code == 400 and refused.json()["code"] == "census_rows_refused"
    assert list(refused.json()["extra"]["fields"]) == ["line 3"]
    assert counts() == (0, 0, 0)

    imported = post("good_only")
    assert imported.status_code == 201 and imported.json()["created_clients"] == 1
    assert imported.json()["rows"][0]["client"] == str(Client.objects.get().pk)

    upload = SimpleUploadedFile("census.csv", census_csv(good))
    forbidden = api(harbor_va).post(API, {"file": upload, "mode": "all"}, format="multipart")
    assert forbidden.status_code == 403 and Client.objects.count() == 1
