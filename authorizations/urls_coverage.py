"""Authorization pages (coverage): included by authorizations.urls (namespace "authorizations")."""

urlpatterns: list = []
