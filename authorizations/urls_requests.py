"""Authorization pages (requests): included by authorizations.urls (namespace "authorizations")."""

urlpatterns: list = []
