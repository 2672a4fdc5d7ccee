"""Census pages: included by authorizations.urls (namespace "authorizations"), under
`/o/<org_slug>/authorizations/`. Only dates ever go in a query string (the billing export's period)."""

from django.urls import path

from authorizations.census_files import views

urlpatterns = [
    path("census/import/", views.census_import, name="census_import"),
    path("census/import/commit/", views.census_import_commit, name="census_import_commit"),
    path("census/import/template.csv", views.census_template, name="census_template"),
    path("census/exports/", views.census_exports, name="census_exports"),
    path("census/exports/census.csv", views.census_export_csv, name="census_export_csv"),
    path("census/exports/attendance.csv", views.attendance_export_csv, name="attendance_export_csv"),
]
