"""Review packet endpoints, under `/o/<org_slug>/authorizations/reviews/<review_id>/packet/`
(included from authorizations/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("reviews/<uuid:review_id>/packet/prepare/", views.packet_prepare, name="review_packet_prepare"),
    path("reviews/<uuid:review_id>/packet/pdf/", views.packet_pdf, name="review_packet_pdf"),
    path("reviews/<uuid:review_id>/packet/submit/", views.packet_submit, name="review_packet_submit"),
]
