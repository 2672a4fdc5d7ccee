"""Checks of uploaded files before anything is stored: one validator for a form's and a
serializer's `FileField` (and the service behind them), so a page and the API refuse the same files
with the same words.

An `UploadValidator` knows which types a field takes (extension *and* first bytes) and its size
cap. Then it looks inside, chosen by the content rather than the name:

- a zip container (Word/Excel/PowerPoint/OpenDocument files are zips) is refused when it holds
  too many entries, declares too much uncompressed data or an entry compressed beyond the ratio
  (settings `IOP_UPLOAD_ZIP_MAX_ENTRIES`, `IOP_UPLOAD_ZIP_MAX_UNCOMPRESSED_BYTES`,
  `IOP_UPLOAD_ZIP_MAX_RATIO`), is damaged, or is encrypted. The declared sizes are then verified
  by inflating every entry through a capped stream: a header that under-states its entry (which
  another unzip tool would inflate in full) is refused after at most the declared size plus one
  block of output, never after the whole bomb;
- a PDF is parsed (pypdf): a truncated or unreadable one, an encrypted one, or one whose pages
  cannot be counted is refused;
- a text type (`FileType(text=True)`, e.g. CSV: no first bytes to recognise it by) must be UTF-8
  (a byte-order mark allowed) without NUL bytes: a spreadsheet saved as .xlsx and renamed .csv, or
  any binary, is refused by its content.

Refusals are `UploadRefused`, a `django.core.exceptions.ValidationError` with a message for the
person and a `code` (`UploadRefusal`), which forms and DRF serializers both turn into a field error.
"""

from __future__ import annotations

import io
import os
import struct
import weakref
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from pypdf import PdfReader

ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
PDF_MAGIC = b"%PDF-"
KIB = 1024
MIB = 1024 * KIB
# An entry smaller than this is not judged by its ratio: a few kilobytes of repeated bytes (an
# empty table, padding) compress far beyond 100:1 in genuine documents and cannot hurt anyone; the
# total cap still bounds them all.
RATIO_MIN_BYTES = 64 * KIB
# Output of one inflate step: the most a lying entry can make us produce past its declared size.
_INFLATE_BLOCK = 64 * KIB
_LOCAL_HEADER = struct.Struct("<4s5H3I2H")  # signature … file name length, extra field length
_ENCRYPTED_FLAG = 0x1
# ISO 32000: a reader looks for the end-of-file marker in the last 1,024 bytes; without it the
# file was cut off.
_PDF_EOF_WINDOW = 1024


class UploadRefusal(StrEnum):
    """The `code` of each refusal (forms and the API show the message; services map the code)."""

    EMPTY = "empty"
    TOO_LARGE = "too_large"
    TYPE = "type"
    ARCHIVE = "archive"
    PDF = "pdf"
    TEXT = "text"


@dataclass(frozen=True)
class FileType:
    content_type: str
    magics: tuple[bytes, ...] = ()
    # A text format (CSV): recognised by being UTF-8 text, since it has no first bytes of its own.
    text: bool = False


def size_text(size: int) -> str:
    return f"{size / MIB:,.0f} MB" if size >= MIB else f"{size / KIB:,.0f} KB"


class UploadRefused(ValidationError):
    """A refusal of the validator: a `ValidationError` (so forms and serializers show it on the
    field) that also carries its `refusal`, typed, for a service to name its own code."""

    def __init__(self, message: str, refusal: UploadRefusal):
        super().__init__(message, code=str(refusal))
        self.refusal = refusal


def _refuse(message: str, code: UploadRefusal) -> UploadRefused:
    return UploadRefused(message, code)


# --- Zip containers ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ZipLimits:
    entries: int
    uncompressed_bytes: int
    ratio: int

    @classmethod
    def from_settings(cls) -> ZipLimits:
        """Read at each check, so a deployment (or a test) can change them."""
        return cls(
            entries=settings.IOP_UPLOAD_ZIP_MAX_ENTRIES,
            uncompressed_bytes=settings.IOP_UPLOAD_ZIP_MAX_UNCOMPRESSED_BYTES,
            ratio=settings.IOP_UPLOAD_ZIP_MAX_RATIO,
        )


def _damaged() -> UploadRefused:
    return _refuse("The file is damaged: it cannot be opened as a document.", UploadRefusal.ARCHIVE)


def _entry_bytes(stream: IO[bytes], info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The entry's stored (compressed) bytes, block by block, found through its local header."""
    stream.seek(info.header_offset)
    header = stream.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
        raise _damaged()
    *_, name_length, extra_length = _LOCAL_HEADER.unpack(header)
    stream.seek(name_length + extra_length, os.SEEK_CUR)
    left = info.compress_size
    while left > 0:
        data = stream.read(min(left, _INFLATE_BLOCK))
        if not data:
            raise _damaged()
        left -= len(data)
        yield data


def _entry_content(stream: IO[bytes], info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The entry's content, at most one block at a time whatever its compression ratio."""
    if info.compress_type == zipfile.ZIP_STORED:
        yield from _entry_bytes(stream, info)
        return
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    for data in _entry_bytes(stream, info):
        while data and not inflater.eof:
            yield inflater.decompress(data, _INFLATE_BLOCK)
            data = inflater.unconsumed_tail
        if inflater.eof:
            return
    while not inflater.eof:  # all input read: what the inflater still holds, block by block
        out = inflater.decompress(b"", _INFLATE_BLOCK)
        if not out:
            raise _damaged()  # the stream stops before its end
        yield out


def _entry_verify(stream: IO[bytes], info: zipfile.ZipInfo) -> None:
    """Inflate the entry and compare it with its header: a part larger than it declares is
    refused one block past the declared size; a shorter one or a wrong CRC is damage."""
    produced, crc = 0, 0
    for out in _entry_content(stream, info):
        produced += len(out)
        if produced > info.file_size:
            raise _refuse(
                "The file is not a safe document: one of its parts is larger than it says.",
                UploadRefusal.ARCHIVE,
            )
        crc = zlib.crc32(out, crc)
    if produced != info.file_size or crc != info.CRC:
        raise _damaged()


def zip_container_check(stream: IO[bytes], limits: ZipLimits | None = None) -> None:
    """Refuse a zip (any Office or OpenDocument file) that would expand beyond the limits, is
    damaged or encrypted. Headers are judged first (cheap: a 1 GiB bomb is refused without
    inflating a byte); only then is each entry inflated, capped at what it declares."""
    limits = limits or ZipLimits.from_settings()
    try:
        with zipfile.ZipFile(stream) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, struct.error) as exc:
        raise _damaged() from exc
    if len(entries) > limits.entries:
        raise _refuse(
            f"The file is not a safe document: it holds more than {limits.entries:,} parts.",
            UploadRefusal.ARCHIVE,
        )
    declared = sum(info.file_size for info in entries)
    if declared > limits.uncompressed_bytes:
        raise _refuse(
            f"The file is not a safe document: it would expand to more than "
            f"{size_text(limits.uncompressed_bytes)} when opened.",
            UploadRefusal.ARCHIVE,
        )
    for info in entries:
        if info.file_size >= RATIO_MIN_BYTES and info.file_size > limits.ratio * max(info.compress_size, 1):
            raise _refuse(
                f"The file is not a safe document: one of its parts expands more than {limits.ratio} times.",
                UploadRefusal.ARCHIVE,
            )
        if info.flag_bits & _ENCRYPTED_FLAG:
            raise _refuse("The file is password-protected: attach a copy without a password.", UploadRefusal.ARCHIVE)
        # Office and OpenDocument files use only these two; others (bzip2, LZMA, Deflate64) would
        # need their own capped inflaters.
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _damaged()
    try:
        for info in entries:
            _entry_verify(stream, info)
    except (zlib.error, OSError, ValueError) as exc:
        raise _damaged() from exc


# --- PDF -------------------------------------------------------------------------------------------


def pdf_check(stream: IO[bytes]) -> None:
    """Refuse a PDF that is cut off, cannot be parsed, is encrypted, or has no countable page."""
    stream.seek(0, os.SEEK_END)
    stream.seek(max(0, stream.tell() - _PDF_EOF_WINDOW))
    if b"%%EOF" not in stream.read():
        raise _refuse("The PDF is incomplete (it was cut off): attach the whole file.", UploadRefusal.PDF)
    stream.seek(0)
    unreadable = _refuse("The PDF is damaged: it cannot be read.", UploadRefusal.PDF)
    try:
        reader = PdfReader(stream)
        if reader.is_encrypted:
            raise _refuse("The PDF is password-protected: attach a copy without a password.", UploadRefusal.PDF)
        pages = len(reader.pages)
    except UploadRefused:
        raise
    # pypdf reports a malformed file with many exception types (its own PdfReadError, but also
    # KeyError, TypeError, RecursionError… from deep in the parser); any of them means the same.
    except Exception as exc:  # noqa: BLE001
        raise unreadable from exc
    if pages < 1:
        raise _refuse("The PDF has no pages that can be read.", UploadRefusal.PDF)


# --- Text -------------------------------------------------------------------------------------------


def text_check(stream: IO[bytes]) -> None:
    """Refuse what is not UTF-8 text (a byte-order mark allowed): a binary, or a file saved in
    another encoding, whose characters would be read wrong."""
    content = stream.read()
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _refuse(
            "The file is not UTF-8 text: save it as “CSV UTF-8” and attach it again.", UploadRefusal.TEXT
        ) from exc
    if "\x00" in text:
        raise _refuse("The file is not text.", UploadRefusal.TEXT)


# --- The validator ----------------------------------------------------------------------------------


class UploadValidator:
    """A `FileField` validator (forms and DRF serializers) for the given types up to `max_bytes`.

    `content_type(upload)` runs the checks and says what the file is; the verdict is kept for the
    life of the uploaded file, so the service behind a form re-checking the same upload costs
    nothing more."""

    def __init__(self, *, types: Mapping[str, FileType], max_bytes: int, accepted: str):
        self.types = dict(types)
        self.max_bytes = max_bytes
        self.accepted = accepted  # e.g. "a PDF or an image (PNG, JPEG)"
        self._verdicts: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def __call__(self, upload) -> None:
        self.content_type(upload)

    def content_type(self, upload) -> str:
        known = self._verdicts.get(upload)
        if known is None:
            known = self._check(upload)
            self._verdicts[upload] = known
        return known

    def _check(self, upload) -> str:
        if upload.size == 0:
            raise _refuse("The file is empty.", UploadRefusal.EMPTY)
        if upload.size > self.max_bytes:
            raise _refuse(f"The file is larger than {size_text(self.max_bytes)}.", UploadRefusal.TOO_LARGE)
        upload.seek(0)
        head = upload.read(16)
        extension = os.path.splitext(upload.name or "")[1].lower()
        known = self.types.get(extension)
        if known is None or not (known.text or head.startswith(known.magics)):
            raise _refuse(f"Attach {self.accepted}.", UploadRefusal.TYPE)
        # By content, not by name: whatever a field accepts, a zip inside is judged as a zip.
        stream = _seekable(upload)
        try:
            if known.text:
                stream.seek(0)
                text_check(stream)
            elif head.startswith(ZIP_MAGICS):
                zip_container_check(stream)
            elif head.startswith(PDF_MAGIC):
                pdf_check(stream)
        finally:
            upload.seek(0)
        return known.content_type


def _seekable(upload) -> IO[bytes]:
    """The upload's own file object (a temporary file or an in-memory buffer: both seekable)."""
    file = getattr(upload, "file", None)
    if file is not None and hasattr(file, "seekable") and file.seekable():
        return file
    upload.seek(0)
    return io.BytesIO(upload.read())
