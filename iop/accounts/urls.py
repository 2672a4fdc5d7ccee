"""Pages outside any organization. No `app_name`: invitation links are built with
`reverse("invitation_accept")` by the accounts services and workers."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
