"""The audit trail page of an organization. Included by iop/clients/urls.py under
`/o/<org_slug>/`, in the `clients` namespace, so every organization page shares one namespace and
one tenant prefix."""

from django.urls import path

from . import views

urlpatterns = [
    path("audit/", views.audit_trail, name="audit_trail"),
]
