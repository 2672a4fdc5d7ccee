"""An X12 file as a download (pages and API alike): never shown inline, named by its control number."""

from __future__ import annotations

from django.http import HttpResponse

from authorizations.models import InteropMessage

X12_MEDIA_TYPE = "application/edi-x12"


def x12_download(message: InteropMessage, *, transaction_set: str) -> HttpResponse:
    response = HttpResponse(message.content.encode(), content_type=X12_MEDIA_TYPE)
    filename = f"{transaction_set}-{message.interchange_control_number}.x12"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
