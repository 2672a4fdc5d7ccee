"""Every browser page of an organization, under `/o/<org_slug>/` (the tenant comes from the URL).

The team, API-token and audit pages live in their own apps' views but share this namespace, so
that every organization page is reversed as `clients:<name>` with `org_slug`.
"""

from django.urls import include, path

from iop.accounts import views as account_views

from . import views

app_name = "clients"

urlpatterns = [
    path("", views.org_home, name="org_home"),
    path("clients/", views.client_list, name="client_list"),
    path("clients/new/", views.client_intake, name="client_intake"),
    path("clients/columns/", views.client_columns_choose, name="client_columns"),
    path("clients/<uuid:client_id>/", views.client_detail, name="client_detail"),
    path("clients/<uuid:client_id>/edit/", views.client_edit, name="client_edit"),
    path("clients/<uuid:client_id>/episodes/new/", views.episode_create, name="episode_create"),
    path("clients/<uuid:client_id>/couple/new/", views.couple_create, name="couple_create"),
    path("clients/<uuid:client_id>/couples/<uuid:couple_id>/end/", views.couple_end, name="couple_end"),
    path("episodes/<uuid:episode_id>/status/", views.episode_transition, name="episode_transition"),
    path("episodes/<uuid:episode_id>/treatment-plan/", views.treatment_plan_edit, name="treatment_plan_edit"),
    path("team/", account_views.team, name="team"),
    path("team/invitations/new/", account_views.invitation_create, name="invitation_create"),
    path(
        "team/invitations/<uuid:invitation_id>/revoke/",
        account_views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("team/members/<uuid:membership_id>/", account_views.membership_edit, name="membership_edit"),
    path(
        "team/members/<uuid:membership_id>/end-sessions/",
        account_views.membership_sessions_end,
        name="membership_sessions_end",
    ),
    path("api-tokens/", account_views.api_tokens, name="api_tokens"),
    path("api-tokens/<uuid:token_id>/revoke/", account_views.api_token_revoke, name="api_token_revoke"),
    path("", include("iop.clients.audit_trail.urls")),
]
