"""The upload validator (iop/common/uploads.py) on its own: zip containers judged by their headers
and then inflated through a capped stream, PDFs parsed, both chosen by content — genuine small
documents pass. The limits are the real defaults unless a test lowers one."""

from __future__ import annotations

import dataclasses
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from iop.common.uploads import FileType, UploadValidator, pdf_check, zip_container_check

from ..files import (
    MIB,
    CountingStream,
    deflated_entry,
    docx_bomb,
    docx_bytes,
    pdf_bytes,
    zeros_entry,
    zip_of,
)

NOT_SAFE = "The file is not a safe document: "
DAMAGED = "The file is damaged: it cannot be opened as a document."


def refusal(check, data: bytes) -> str:
    with pytest.raises(ValidationError) as caught:
        check(io.BytesIO(data))
    return caught.value.messages[0]


def test_the_defaults_are_1000_entries_100_mb_and_a_ratio_of_100(settings):
    assert settings.IOP_UPLOAD_ZIP_MAX_ENTRIES == 1000
    assert settings.IOP_UPLOAD_ZIP_MAX_UNCOMPRESSED_BYTES == 100 * MIB
    assert settings.IOP_UPLOAD_ZIP_MAX_RATIO == 100


def test_a_1_mb_word_document_that_expands_to_1_gib_is_refused_from_its_headers_alone():
    bomb = docx_bomb(1024)
    assert len(bomb) < 1.1 * MIB
    info = zipfile.ZipFile(io.BytesIO(bomb)).getinfo("word/document.xml")
    assert info.file_size == 1024 * MIB  # what any unzip tool would write out

    stream = CountingStream(bomb)
    with pytest.raises(ValidationError) as caught:
        zip_container_check(stream)
    assert caught.value.messages == [NOT_SAFE + "it would expand to more than 100 MB when opened."]
    assert stream.bytes_read < 1024  # the central directory, not the megabyte of deflate


def test_the_bomb_builder_writes_a_zip_the_standard_library_expands_in_full():
    """The hand-written zips of these tests are genuine: zipfile inflates one to its zeros."""
    archive = zipfile.ZipFile(io.BytesIO(docx_bomb(16)))
    assert archive.read("word/document.xml") == bytes(16 * MIB)
    assert archive.testzip() is None


def test_more_than_1000_entries_are_refused():
    assert refusal(zip_container_check, zip_of([deflated_entry(f"part{n}.xml", b"<a/>") for n in range(1001)])) == (
        NOT_SAFE + "it holds more than 1,000 parts."
    )
    zip_container_check(io.BytesIO(zip_of([deflated_entry(f"part{n}.xml", b"<a/>") for n in range(1000)])))


def test_an_entry_compressed_more_than_100_to_1_is_refused_though_within_the_total():
    """10 MiB of zeros deflate to ~10 KB (about 1,000:1): under 100 MB, over the ratio."""
    assert refusal(zip_container_check, zip_of([zeros_entry("word/media/image1.bmp", 10)])) == (
        NOT_SAFE + "one of its parts expands more than 100 times."
    )


def test_the_limits_are_settings(settings):
    settings.IOP_UPLOAD_ZIP_MAX_UNCOMPRESSED_BYTES = 3 * MIB
    settings.IOP_UPLOAD_ZIP_MAX_ENTRIES = 3
    settings.IOP_UPLOAD_ZIP_MAX_RATIO = 2000
    two_mib = zip_of([zeros_entry("a.xml", 2), zeros_entry("b.xml", 1)])
    zip_container_check(io.BytesIO(two_mib))  # 3 MiB at ~1,000:1 is within these limits
    assert refusal(zip_container_check, zip_of([zeros_entry("a.xml", 2), zeros_entry("b.xml", 2)])) == (
        NOT_SAFE + "it would expand to more than 3 MB when opened."
    )
    four = zip_of([deflated_entry(f"{n}.xml", b"<a/>") for n in range(4)])
    assert refusal(zip_container_check, four) == NOT_SAFE + "it holds more than 3 parts."


def test_a_header_that_understates_its_entry_is_refused_one_block_past_the_declared_size():
    """The declared sizes pass every limit (100 KB at a ratio under 2), but the deflate stream
    holds 64 MiB: inflating stops just past 100 KB instead of writing 64 MiB."""
    liar = zip_of(
        [deflated_entry("[Content_Types].xml", b"<Types/>"), zeros_entry("word/document.xml", 64, declared=100 * 1024)]
    )
    stream = CountingStream(liar)
    with pytest.raises(ValidationError) as caught:
        zip_container_check(stream)
    assert caught.value.messages == [NOT_SAFE + "one of its parts is larger than it says."]
    assert stream.bytes_read < 200 * 1024  # of the 64 KB stream: one inflate block's worth


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[: len(data) // 2], id="cut-in-half"),
        # Byte 60 is inside the first entry's deflate stream (its 30-byte header and name end at 49).
        pytest.param(lambda data: data[:60] + bytes([data[60] ^ 0xFF]) + data[61:], id="a-flipped-byte"),
        pytest.param(lambda data: b"PK\x03\x04" + b"\x00" * 200, id="zip-magic-then-nothing"),
        pytest.param(lambda data: data[:-22], id="no-end-of-directory"),
    ],
)
def test_a_damaged_zip_is_refused(damage):
    assert refusal(zip_container_check, damage(docx_bytes())) == DAMAGED


def test_a_header_that_overstates_its_entry_or_a_wrong_crc_is_damage():
    entry = deflated_entry("word/document.xml", b"<w:document/>" * 10)
    assert refusal(zip_container_check, zip_of([dataclasses.replace(entry, size=entry.size + 1)])) == DAMAGED
    assert refusal(zip_container_check, zip_of([dataclasses.replace(entry, crc=entry.crc ^ 1)])) == DAMAGED


def test_an_encrypted_entry_is_refused():
    locked = dataclasses.replace(deflated_entry("word/document.xml", b"<w:document/>"), flags=0x1)
    assert refusal(zip_container_check, zip_of([locked])) == (
        "The file is password-protected: attach a copy without a password."
    )


def test_a_genuine_small_word_document_passes():
    zip_container_check(io.BytesIO(docx_bytes()))  # every entry inflated and its CRC compared


# --- PDF ---------------------------------------------------------------------------------------------


def test_a_genuine_pdf_passes():
    pdf_check(io.BytesIO(pdf_bytes(3)))


def test_a_truncated_pdf_is_refused():
    pdf = pdf_bytes(3)
    for cut in (16, len(pdf) // 2, len(pdf) - 8):
        assert refusal(pdf_check, pdf[:cut]) == "The PDF is incomplete (it was cut off): attach the whole file."


def test_an_encrypted_pdf_is_refused():
    assert refusal(pdf_check, pdf_bytes(password="s3cret")) == (
        "The PDF is password-protected: attach a copy without a password."
    )


def test_an_unparsable_pdf_is_refused():
    garbage = b"%PDF-1.7\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"
    assert refusal(pdf_check, garbage) == "The PDF is damaged: it cannot be read."


def test_a_pdf_whose_pages_cannot_be_counted_is_refused():
    """Its page tree is not one (the /Pages node mistyped): a reader finds no page."""
    broken = pdf_bytes(2).replace(b"/Type /Pages", b"/Type /Pagez")
    assert refusal(pdf_check, broken) == "The PDF has no pages that can be read."


# --- The validator: type, size, then content -------------------------------------------------------


def validator(**types: FileType) -> UploadValidator:
    return UploadValidator(types={f".{ext}": t for ext, t in types.items()}, max_bytes=2 * MIB, accepted="a file")


def test_a_zip_is_judged_by_its_content_whatever_its_name():
    """A field that takes any bytes under `.bin` still looks inside a zip sent as one."""
    anything = validator(bin=FileType("application/octet-stream", (b"",)))
    bomb = SimpleUploadedFile("report.bin", zip_of([zeros_entry("x", 10)]))
    with pytest.raises(ValidationError) as caught:
        anything(bomb)
    assert caught.value.code == "archive"
    assert anything.content_type(SimpleUploadedFile("notes.bin", b"plain bytes")) == "application/octet-stream"


def test_the_validator_checks_type_and_size_first_and_rewinds_the_file():
    docx = validator(docx=FileType("application/x-docx", (b"PK\x03\x04",)))
    with pytest.raises(ValidationError) as caught:
        docx(SimpleUploadedFile("scan.docx", b"%PDF-1.7"))
    assert caught.value.messages == ["Attach a file."]
    with pytest.raises(ValidationError) as caught:
        docx(SimpleUploadedFile("big.docx", b"PK\x03\x04" + bytes(2 * MIB)))
    assert caught.value.messages == ["The file is larger than 2 MB."]
    upload = SimpleUploadedFile("Assessment.docx", docx_bytes())
    assert docx.content_type(upload) == "application/x-docx"
    assert upload.read() == docx_bytes()  # stored from its first byte


def test_a_text_type_is_judged_as_text_by_its_content():
    """CSV has no first bytes of its own: it is taken when it is UTF-8 text, and a binary or a
    file in another encoding named .csv is refused."""
    csv_field = validator(csv=FileType("text/csv", text=True))
    assert csv_field.content_type(SimpleUploadedFile("census.csv", "\ufeffname\nJosé\n".encode())) == "text/csv"
    for content in ("name\nJosé\n".encode("latin-1"), b"PK\x03\x04\x00\x00binary"):
        with pytest.raises(ValidationError) as caught:
            csv_field(SimpleUploadedFile("census.csv", content))
        assert caught.value.code == "text"
