"""Attendance reports as files: the tagged PDF and the CSV of the same session rows, both pure
functions of `ReportData` (attendance/reports/selectors.py), so both exports always agree."""

from __future__ import annotations

import datetime as dt

from iop.common.csv_files import csv_text
from iop.common.dates import time_hm
from iop.common.pdf import RenderedPdf, pdf_document

from .selectors import ReportData

REPORT_TEMPLATE = "pdf/attendance_report.html"


CSV_HEADER = (
    "date",
    "start",
    "end",
    "group",
    "group type",
    "counts toward hours",
    "status",
    "arrived",
    "departed",
    "attended minutes",
    "counted minutes",
    "absence reason",
    "note",
    "late entry",
)


def attendance_report_document(*, data: ReportData, generated_by: str) -> RenderedPdf:
    """The report rendered as a tagged PDF (content and page count); `generated_by` is the name
    printed in the footer."""
    context = {"report": data, "organization": data.organization, "generated_by": generated_by}
    return pdf_document(template=REPORT_TEMPLATE, context=context)


def attendance_report_pdf(*, data: ReportData, generated_by: str) -> bytes:
    """The report as a tagged PDF; `generated_by` is the name printed in the footer."""
    return attendance_report_document(data=data, generated_by=generated_by).content


def _time(value: dt.datetime | None) -> str:
    return time_hm(value) if value is not None else ""


def attendance_report_csv(*, data: ReportData) -> str:
    """One row per session of the period (the PDF's sessions table), local times, plain values."""
    return csv_text(
        header=CSV_HEADER,
        rows=(
            (
                row.starts_at.date().isoformat(),
                _time(row.starts_at),
                _time(row.ends_at),
                row.group.name,
                row.group.group_type.name,
                "yes" if row.counts else "no",
                row.status_label,
                _time(row.arrived_at),
                _time(row.departed_at),
                row.record.attended_minutes if row.record else "",
                row.record.counted_minutes if row.record else "",
                row.record.get_absence_reason_display() if row.record else "",
                row.record.note if row.record else "",
                ("yes" if row.record.is_late_entry else "no") if row.record else "",
            )
            for row in data.sessions
        ),
    )
