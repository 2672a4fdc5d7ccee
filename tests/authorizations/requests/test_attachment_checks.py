"""A request's attachments are looked into before they are stored, on the page and in the API
alike: a Word document that expands to 1 GiB, a damaged one, a truncated or encrypted PDF are
refused on the file field with nothing saved (no row, no file); genuine ones are attached."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from authorizations.models import RequestAttachment
from authorizations.requests.services.drafting import attachment_add
from iop.common.exceptions import ApplicationError

from ...files import DOCX_TYPE, docx_bomb, docx_bytes, pdf_bytes
from ...pages import post_refused
from ..conftest import BASE

pytestmark = pytest.mark.django_db

BOMB_REFUSED = "The file is not a safe document: it would expand to more than 100 MB when opened."
TRUNCATED = "The PDF is incomplete (it was cut off): attach the whole file."
ENCRYPTED = "The PDF is password-protected: attach a copy without a password."
DAMAGED = "The file is damaged: it cannot be opened as a document."

REFUSED = [
    pytest.param("Assessment.docx", docx_bomb(1024), BOMB_REFUSED, id="1-gib-word-bomb"),
    pytest.param("Assessment.docx", docx_bytes()[:400], DAMAGED, id="damaged-word"),
    pytest.param("Labs.pdf", pdf_bytes(2)[:300], TRUNCATED, id="truncated-pdf"),
    pytest.param("Labs.pdf", pdf_bytes(2, password="s3cret"), ENCRYPTED, id="encrypted-pdf"),
]


def stored_files(settings) -> list[Path]:
    return [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]


def page_url(name: str, **kwargs) -> str:
    return reverse(f"authorizations:{name}", kwargs={"org_slug": "harbor", **kwargs})


@pytest.fixture
def intake_api(api, harbor_intake):
    return api(harbor_intake)


@pytest.mark.parametrize(("name", "content", "message"), REFUSED)
def test_the_page_refuses_on_the_file_field_and_stores_nothing(as_intake, draft, settings, name, content, message):
    response = post_refused(
        as_intake,
        page_url("attachment_add", request_id=draft.pk),
        {"attachment-file": SimpleUploadedFile(name, content)},
        page=page_url("request_detail", request_id=draft.pk),
    )
    assert message in response.content.decode()
    assert not RequestAttachment.objects.exists()
    assert stored_files(settings) == []


@pytest.mark.parametrize(("name", "content", "message"), REFUSED)
def test_the_api_answers_400_naming_the_file_and_stores_nothing(intake_api, draft, settings, name, content, message):
    response = intake_api.post(
        f"{BASE}/authorization-requests/{draft.pk}/attachments/",
        {"file": SimpleUploadedFile(name, content)},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {"file": [message]}
    assert not RequestAttachment.objects.exists()
    assert stored_files(settings) == []


def test_a_genuine_word_document_and_pdf_are_attached_on_the_page(as_intake, draft, settings):
    for name, content in (("Assessment.docx", docx_bytes()), ("Labs.pdf", pdf_bytes(3))):
        response = as_intake.post(
            page_url("attachment_add", request_id=draft.pk), {"attachment-file": SimpleUploadedFile(name, content)}
        )
        assert response.status_code == 302
    attachments = list(RequestAttachment.objects.order_by("uploaded_at"))
    assert [(a.name, a.content_type) for a in attachments] == [
        ("Assessment.docx", DOCX_TYPE),
        ("Labs.pdf", "application/pdf"),
    ]
    assert attachments[0].file.read() == docx_bytes()
    assert len(stored_files(settings)) == 2


def test_a_genuine_pdf_is_attached_through_the_api(intake_api, draft):
    response = intake_api.post(
        f"{BASE}/authorization-requests/{draft.pk}/attachments/",
        {"file": SimpleUploadedFile("Labs.pdf", pdf_bytes(1))},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    attachment = RequestAttachment.objects.get()
    assert response.json() == {
        "id": str(attachment.pk),
        "name": "Labs.pdf",
        "content_type": "application/pdf",
        "size": len(pdf_bytes(1)),
        "uploaded_at": response.json()["uploaded_at"],
    }
    assert attachment.request_id == draft.pk


def test_the_service_refuses_the_bomb_with_its_own_code(draft, harbor_intake, settings):
    """A caller that skips the form (an import, a task) meets the same check."""
    with pytest.raises(ApplicationError) as caught:
        attachment_add(
            request=draft, upload=SimpleUploadedFile("Assessment.docx", docx_bomb(1024)), actor=harbor_intake
        )
    assert (caught.value.code, caught.value.extra) == ("attachment_archive", {"file": [BOMB_REFUSED]})
    assert stored_files(settings) == []
