from rest_framework.pagination import CursorPagination


class DefaultCursorPagination(CursorPagination):
    """Stable under inserts and without COUNT(*) on large tables."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    # Subclasses order by a tuple of fields (the last one unique).
    ordering: str | tuple[str, ...] = "-created_at"


class ByNamePagination(DefaultCursorPagination):
    ordering = ("name", "id")
