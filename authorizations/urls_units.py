"""Authorization pages (units): included by authorizations.urls (namespace "authorizations")."""

urlpatterns: list = []
