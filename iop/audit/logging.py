import logging
import re

from .requestctx import request_id_var


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


# A %-style placeholder of a logging format string ("%s", "%r", "%04X", "%(name)s"), or "%%".
_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +\-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]")


class ArgumentsWithheldFilter(logging.Filter):
    """For a library logger whose arguments may quote the document it is processing: keep each
    record (its level and its kind, the library's constant format string) but withhold the
    arguments, so no line carries client data.

    Set on the `weasyprint` logger (iop/settings/base.py): WeasyPrint warns once per character no
    font covers, *with the character*, so a client's name in a script the fonts miss would reach
    the log one glyph per line; other messages quote CSS values or URLs of the document. Likewise
    on `fontTools.subset`, which lists the code points of missing glyphs. A logger
    filter (not a handler filter) changes the record before any handler sees it, including
    handlers added later (a test's capture, an error tracker's)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            template = str(record.msg)
            record.msg = _PLACEHOLDER.sub(lambda m: "%" if m[0] == "%%" else "…", template) + " (details withheld)"
            record.args = ()
        return True
