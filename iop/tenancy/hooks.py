"""What the platform offers the apps above it: the only signals it declares. They connect to them
in their own `wiring.py`, called from their `AppConfig.ready()`; the platform never imports them.

The admin site and `TenantModelAdmin` (iop/tenancy/admin_site.py, iop/tenancy/admin.py) announce
what an admin did; the audit app (iop/audit/wiring.py) records it. Receivers run in the request,
before the response goes out, and an exception raised by one fails the request (an access that
cannot be recorded is not served). They may write audit records; they may not change the response
or the rows.

- `admin_organization_chosen`: an org admin chose the organization the admin site acts for.
  kwargs: request, user, organization.
- `admin_client_rows_listed`: an admin changelist of a PHI model was shown (one send per page).
  kwargs: request, model (the model class), client_ids (the listed rows' clients, in page order).
- `admin_client_row_viewed`: an admin change page of a PHI row was shown (GET).
  kwargs: request, obj, client_id.
"""

from __future__ import annotations

from django.dispatch import Signal

admin_organization_chosen = Signal()
admin_client_rows_listed = Signal()
admin_client_row_viewed = Signal()
