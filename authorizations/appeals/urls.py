"""Denials & appeals pages: included by authorizations.urls (namespace "authorizations"), under
`/o/<org_slug>/authorizations/`."""

from django.urls import path

from authorizations.appeals import views

urlpatterns = [
    path("denials/", views.case_list, name="denial_cases"),
    path("denials/<uuid:case_id>/", views.case_detail, name="denial_case"),
    path("denials/<uuid:case_id>/denial/", views.denial_update, name="denial_update"),
    path("denials/<uuid:case_id>/p2p/", views.p2p_schedule, name="denial_p2p_schedule"),
    path("denials/<uuid:case_id>/p2p/<uuid:p2p_id>/move/", views.p2p_reschedule, name="denial_p2p_reschedule"),
    path("denials/<uuid:case_id>/p2p/<uuid:p2p_id>/outcome/", views.p2p_outcome, name="denial_p2p_outcome"),
    path("denials/<uuid:case_id>/letter/", views.appeal_letter, name="denial_appeal_letter"),
    path("denials/<uuid:case_id>/file/", views.appeal_file, name="denial_appeal_file"),
    path(
        "denials/<uuid:case_id>/appeals/<uuid:appeal_id>/outcome/",
        views.appeal_outcome,
        name="denial_appeal_outcome",
    ),
    path("denials/<uuid:case_id>/close/", views.case_close, name="denial_close"),
    path("denials/<uuid:case_id>/appeal-packet.pdf", views.packet_pdf, name="denial_packet_pdf"),
]
