import re

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination

_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")


class DefaultCursorPagination(CursorPagination):
    """Stable under inserts and without COUNT(*) on large tables."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    # Subclasses order by a tuple of fields (the last one unique).
    ordering: str | tuple[str, ...] = "-created_at"

    def get_page_size(self, request):
        """`page_size` from 1 up (more than `max_page_size` gives that many); anything else is a 400,
        not silently the default page (DRF's own reading)."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not _WHOLE_NUMBER.fullmatch(raw) or int(raw) < 1:
            raise ValidationError({self.page_size_query_param: ["A whole number of rows, 1 or more."]})
        return min(int(raw), self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["minimum"] = 1
                parameter["description"] = (
                    f"Rows per page ({self.page_size} unless given, at most {self.max_page_size})."
                )
        return parameters


class ByNamePagination(DefaultCursorPagination):
    ordering = ("name", "id")
