"""Consent pages and endpoints: included by discharge.urls (namespace "discharge"), under
`/o/<org_slug>/discharge/`. Ids only in the paths."""

from django.urls import path

from discharge.consent import views

urlpatterns = [
    path("clients/<uuid:client_id>/consents/", views.client_consents_page, name="consent_client"),
    path("clients/<uuid:client_id>/consents/new/", views.consent_create, name="consent_create"),
    path("clients/<uuid:client_id>/disclosures/accounting/", views.accounting_pdf, name="consent_accounting"),
    path("consents/<uuid:consent_id>/revoke/", views.consent_revoke_view, name="consent_revoke"),
    path("consents/<uuid:consent_id>/expiry-event/", views.consent_expiry_event, name="consent_expiry_event"),
    path("episodes/<uuid:episode_id>/records/", views.records_send_page, name="records_send"),
    path("disclosures/<uuid:disclosure_id>/document/", views.disclosure_document, name="disclosure_document"),
]
