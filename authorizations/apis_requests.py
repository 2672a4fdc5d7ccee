"""REST endpoints (requests). `ROUTES` lists (prefix, viewset, basename) for iop.api_urls."""

ROUTES: list = []
