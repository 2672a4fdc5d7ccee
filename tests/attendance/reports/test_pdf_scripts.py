"""A client's name prints in whatever script it is written in: the attendance report PDF (the
view, WeasyPrint, the fonts installed from Debian packages and named by static/pdf/report.css)
read back with pypdf.

Reading the text back is not enough on its own: for a character no font covers, WeasyPrint draws
an empty box (.notdef) yet still maps it to the character in the PDF's text layer. So each name
must also come with no missing-glyph warning, and the scripts DejaVu lacks must be drawn with the
Noto font that covers them, embedded as a subset (kilobytes, not the 20 MB CJK font).
"""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from iop.clients.models import Client

pytestmark = pytest.mark.django_db

# A whole CJK font embedded would be ~20 MB; the subset of a few glyphs keeps the report small.
MAX_PDF_BYTES = 300_000


@pytest.fixture
def episode(make_active_episode):
    return make_active_episode()


def embedded_fonts(reader: PdfReader) -> set[str]:
    """The base names of the fonts the pages draw with, without the subset tag (ABCDEF+)."""
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).lstrip("/").split("+", 1)[-1])
    return names


def unspaced(text: str) -> str:
    # pypdf may break a line or put a space inside a word of a complex script (a Devanagari vowel
    # sign), so names are compared without whitespace.
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize(
    ("first", "last", "font"),
    [
        ("小明", "王", "Noto-Sans-CJK"),
        ("さくら", "山田", "Noto-Sans-CJK"),
        ("민준", "김", "Noto-Sans-CJK"),
        ("አበበ", "በቀለ", "Noto-Sans-Ethiopic"),
        ("राज", "कुमार", "Noto-Sans-Devanagari"),
        ("محمد", "عبد الله", None),
        ("דוד", "כהן", None),
        ("Иван", "Петров", None),
        ("Γιώργος", "Παπαδόπουλος", None),
    ],
    ids=["chinese", "japanese", "korean", "ethiopic", "devanagari", "arabic", "hebrew", "cyrillic", "greek"],
)
def test_a_name_in_any_script_prints_with_real_glyphs(as_clinician, harbor, episode, caplog, first, last, font):
    Client.objects.filter(pk=episode.client_id).update(first_name=first, last_name=last)

    response = as_clinician.get(
        reverse("attendance_reports:episode_report_pdf", kwargs={"org_slug": harbor.slug, "episode_id": episode.pk})
    )

    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert unspaced(f"Client {first} {last}") in unspaced(text)
    # Every character had a glyph: WeasyPrint warns for each one drawn as an empty box.
    assert not [r for r in caplog.records if str(r.msg).startswith(".notdef glyph")]
    fonts = embedded_fonts(reader)
    # DejaVu covers Latin, Greek, Cyrillic, Arabic and Hebrew; Noto the scripts it lacks.
    assert any(name.startswith("DejaVu-Sans") for name in fonts)
    if font:
        assert any(name.startswith(font) for name in fonts), fonts
    assert len(response.content) < MAX_PDF_BYTES
