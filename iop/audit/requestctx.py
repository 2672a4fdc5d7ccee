"""The id of the request being served, for log lines and audit rows (never PHI)."""

from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("iop_request_id", default="-")
