"""Authorization pages (requests): included by authorizations.urls (namespace "authorizations"),
under `/o/<org_slug>/authorizations/`."""

from django.urls import path

from authorizations.pas import views as pas_views
from authorizations.requests import views as views

urlpatterns = [
    path("clients/<uuid:client_id>/requests/new/", views.request_start, name="request_start"),
    path("clients/<uuid:client_id>/packets/new/", views.packet_start, name="packet_start"),
    path("requests/<uuid:request_id>/", views.request_detail, name="request_detail"),
    path("requests/<uuid:request_id>/details/", views.request_details, name="request_details"),
    path("requests/<uuid:request_id>/diagnoses/", views.diagnosis_add, name="diagnosis_add"),
    path(
        "requests/<uuid:request_id>/diagnoses/<uuid:diagnosis_id>/remove/",
        views.diagnosis_remove,
        name="diagnosis_remove",
    ),
    path(
        "requests/<uuid:request_id>/diagnoses/<uuid:diagnosis_id>/move/",
        views.diagnosis_move,
        name="diagnosis_move",
    ),
    path("requests/<uuid:request_id>/lines/", views.line_add, name="line_add"),
    path("requests/<uuid:request_id>/lines/<uuid:line_id>/", views.line_edit, name="line_edit"),
    path("requests/<uuid:request_id>/lines/<uuid:line_id>/remove/", views.line_remove, name="line_remove"),
    path("requests/<uuid:request_id>/attachments/", views.attachment_add, name="attachment_add"),
    path(
        "requests/<uuid:request_id>/attachments/<uuid:attachment_id>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path(
        "requests/<uuid:request_id>/attachments/<uuid:attachment_id>/remove/",
        views.attachment_remove,
        name="attachment_remove",
    ),
    path("requests/<uuid:request_id>/ready/", views.request_ready, name="request_ready"),
    path("requests/<uuid:request_id>/draft/", views.request_draft, name="request_draft"),
    path("requests/<uuid:request_id>/submit/", views.request_submit, name="request_submit"),
    path("requests/<uuid:request_id>/pend/", views.request_pend, name="request_pend"),
    path("requests/<uuid:request_id>/determination/", views.determination_record, name="determination_record"),
    path("requests/<uuid:request_id>/request.pdf", views.request_pdf_download, name="request_pdf"),
    path("requests/<uuid:request_id>/request.x12", views.request_x12_278_download, name="request_x12_278"),
    path("requests/<uuid:request_id>/import-278/", views.request_x12_278_import, name="request_x12_278_import"),
    path("requests/<uuid:request_id>/pas-bundle.json", pas_views.pas_bundle_download, name="pas_bundle"),
    path("requests/<uuid:request_id>/pas-claim-response/", pas_views.claim_response_upload, name="pas_claim_response"),
    path("packets/<uuid:packet_id>/", views.packet_detail, name="packet_detail"),
    path("packets/<uuid:packet_id>/goals/", views.packet_goals, name="packet_goals"),
    path("packets/<uuid:packet_id>/ready/", views.packet_ready, name="packet_ready"),
    path("packets/<uuid:packet_id>/submit/", views.packet_submit, name="packet_submit"),
    path("packets/<uuid:packet_id>/packet.pdf", views.packet_pdf_download, name="packet_pdf"),
    path("packets/<uuid:packet_id>/packet.x12", views.packet_x12_278_download, name="packet_x12_278"),
]
