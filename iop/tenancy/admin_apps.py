from django.contrib.admin.apps import AdminConfig


class IopAdminConfig(AdminConfig):
    default_site = "iop.tenancy.admin_site.IopAdminSite"
