"""Authorization pages (coverage): included by authorizations.urls (namespace "authorizations")."""

from django.urls import path

from authorizations.coverage import views as views

urlpatterns = [
    path("clients/<uuid:client_id>/coverage/new/", views.coverage_add, name="coverage_add"),
    path("coverages/<uuid:coverage_id>/", views.coverage_detail, name="coverage_detail"),
    path("coverages/<uuid:coverage_id>/edit/", views.coverage_edit, name="coverage_edit"),
    path("coverages/<uuid:coverage_id>/verify/", views.verification_add, name="verification_add"),
    path("coverages/<uuid:coverage_id>/import-271/", views.verification_import, name="verification_import"),
    path("coverages/<uuid:coverage_id>/eligibility.x12", views.coverage_x12_270_download, name="coverage_x12_270"),
]
