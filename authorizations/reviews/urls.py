"""Review pages: included by authorizations.urls (namespace "authorizations")."""

from django.urls import path

from authorizations.reviews import views

urlpatterns = [
    path("reviews/", views.reviews, name="reviews"),
    path("reviews/<int:year>/<int:month>/", views.reviews_month, name="reviews_month"),
    path("reviews/<uuid:review_id>/", views.review_detail, name="review"),
    path("reviews/<uuid:review_id>/clinical/", views.review_clinical, name="review_clinical"),
    path("reviews/<uuid:review_id>/date/", views.review_date_move, name="review_date_move"),
    path("reviews/<uuid:review_id>/outcome/", views.review_outcome, name="review_outcome"),
]
