"""An uploaded X12 file read as text, for the import forms (271, 278 response)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePath

from django import forms

X12_EXTENSIONS = (".txt", ".edi", ".x12")


def x12_upload_read(upload, *, kind: str, extensions: Sequence[str], max_bytes: int, max_chars: int) -> str:
    """The file's text (UTF-8, a byte-order mark dropped). Refused as a form error: another
    extension, more than `max_bytes`, not text, empty. `kind` names it: "271", "278"."""
    if PurePath(upload.name or "").suffix.lower() not in extensions:
        listed = ", ".join(extensions[:-1]) + f" or {extensions[-1]}"
        raise forms.ValidationError(f"Choose a {listed} file.", code="extension")
    if upload.size > max_bytes:
        raise forms.ValidationError(
            f"The file is larger than {max_bytes // 1024} KB: it is not a single {kind} response.", code="size"
        )
    content = upload.read(max_bytes + 1)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise forms.ValidationError(
            f"The file is not plain text: choose the {kind} file itself.", code="binary"
        ) from exc
    if not text.strip():
        raise forms.ValidationError("The file is empty.", code="empty")
    if len(text) > max_chars:
        raise forms.ValidationError("The file is too large.", code="size")
    return text
