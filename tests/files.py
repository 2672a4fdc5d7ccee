"""Files to upload, built here rather than kept as fixtures: genuine small documents (a Word
document, a PDF) and hostile ones (zip bombs, lying headers, damaged, encrypted or truncated files).

`zip_of` writes the zip structure itself, so a test can state any header (a 1 GiB entry whose
deflate stream is 1 MB, or a header that under-states its entry) without compressing a gigabyte:
deflating 1 GiB of zeros takes ~25 s here, while a stream flushed after each MiB repeats the same
~1 KB segment, so `zeros_deflated` writes it in milliseconds."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass
from functools import cache

from pypdf import PdfWriter

MIB = 1024 * 1024
GIB = 1024 * MIB
# zlib.crc32 over 2**30 zero bytes (computed once: 1,024 MiB blocks take a few seconds).
CRC32_OF_1_GIB_OF_ZEROS = 0x5B64C2B0

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class RawEntry:
    """One zip entry as written: `data` are the stored bytes (deflated when `method` is 8), and
    `size` / `crc` what the headers declare about the content."""

    name: str
    data: bytes
    size: int
    crc: int
    method: int = zipfile.ZIP_DEFLATED
    flags: int = 0


def zip_of(entries: list[RawEntry]) -> bytes:
    """A zip (32-bit headers: entries up to 4 GiB) holding the entries exactly as given."""
    body, central = io.BytesIO(), io.BytesIO()
    for entry in entries:
        name = entry.name.encode()
        offset = body.tell()
        fields = (entry.flags, entry.method, 0, 0x21, entry.crc, len(entry.data), entry.size, len(name))
        body.write(struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, *fields, 0) + name + entry.data)
        central.write(struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, 20, *fields, 0, 0, 0, 0, 0, offset) + name)
    count, directory = len(entries), central.getvalue()
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, count, count, len(directory), body.tell(), 0)
    return body.getvalue() + directory + end


@cache
def _zero_segment() -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(bytes(MIB)) + compressor.flush(zlib.Z_FULL_FLUSH)


def zeros_deflated(mebibytes: int) -> bytes:
    """A raw deflate stream of `mebibytes` MiB of zeros: after a full flush the compressor starts
    afresh, so each MiB is the same segment; a final empty block ends the stream."""
    return _zero_segment() * mebibytes + b"\x03\x00"


def zeros_crc(mebibytes: int) -> int:
    if mebibytes == 1024:
        return CRC32_OF_1_GIB_OF_ZEROS
    crc = 0
    for _ in range(mebibytes):
        crc = zlib.crc32(bytes(MIB), crc)
    return crc


def zeros_entry(name: str, mebibytes: int, *, declared: int | None = None) -> RawEntry:
    """An entry of `mebibytes` MiB of zeros; `declared` makes its header state another size."""
    size = mebibytes * MIB
    return RawEntry(name, zeros_deflated(mebibytes), size if declared is None else declared, zeros_crc(mebibytes))


def deflated_entry(name: str, content: bytes) -> RawEntry:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return RawEntry(name, compressor.compress(content) + compressor.flush(), len(content), zlib.crc32(content))


DOCX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
    ),
    "word/document.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
        "<w:p><w:r><w:t>Psychiatric assessment: PHQ-9 of 19; recommended level of care IOP.</w:t></w:r></w:p>"
        "</w:body></w:document>"
    ),
}


def docx_bytes() -> bytes:
    """A genuine small Word document, written by the standard library's zipfile as Word does."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in DOCX_PARTS.items():  # dated, so the same bytes every time
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 12, 1, 9, 0, 0)), text, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def docx_bomb(mebibytes: int = 1024) -> bytes:
    """A Word document whose body expands to `mebibytes` MiB of zeros (1 GiB: a ~1 MB file)."""
    parts = [deflated_entry(name, text.encode()) for name, text in DOCX_PARTS.items() if name != "word/document.xml"]
    return zip_of([*parts, zeros_entry("word/document.xml", mebibytes)])


def pdf_bytes(pages: int = 2, *, password: str | None = None) -> bytes:
    """A genuine PDF of blank Letter pages (encrypted with `password` when given)."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(612, 792)
    if password is not None:
        writer.encrypt(password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


class CountingStream(io.BytesIO):
    """A file that counts the bytes read from it (to show a check stopped at the headers)."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.bytes_read += len(data)
        return data
