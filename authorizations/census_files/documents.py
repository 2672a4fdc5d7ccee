"""The census and attendance-for-billing exports as CSV (pure functions of the selectors' rows).
Every cell goes through `iop.common.csv_files` (formulas neutralised). The census file's client,
program, episode and coverage columns carry the import's names, so an export can be imported
elsewhere (or again: its rows are reported as existing)."""

from __future__ import annotations

import datetime as dt

from iop.common.csv_files import csv_text
from iop.common.dates import time_hm

from .selectors import BillingAttendanceRow, CensusExportRow

CENSUS_EXPORT_HEADER = (
    "last_name",
    "first_name",
    "preferred_name",
    "date_of_birth",
    "program",
    "level_of_care",
    "referral_date",
    "admission_date",
    "payer",
    "member_id",
    "group_number",
    "coverage_start",
    "coverage_end",
    "priority",
    "authorization_number",
    "authorization_code",
    "authorization_start",
    "authorization_end",
    "units_authorized",
    "unit_type",
    "next_review_date",
)

BILLING_EXPORT_HEADER = (
    "service_date",
    "start_time",
    "end_time",
    "last_name",
    "first_name",
    "date_of_birth",
    "program",
    "group",
    "service",
    "attendance_status",
    "attended_minutes",
    "code_system",
    "code",
    "units",
    "unit_type",
    "rendering_provider",
    "rendering_credentials",
    "payer",
    "member_id",
    "authorization_number",
)


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value is not None else ""


def census_export_csv(rows: list[CensusExportRow]) -> str:
    def values(row: CensusExportRow) -> tuple:
        episode, client, coverage, authorization = row.episode, row.episode.client, row.coverage, row.authorization
        return (
            client.last_name,
            client.first_name,
            client.preferred_name,
            _date(client.date_of_birth),
            episode.program.name,
            episode.get_level_of_care_display(),
            _date(episode.referral_date),
            _date(episode.admission_date),
            coverage.payer.name if coverage else "",
            coverage.member_id if coverage else "",
            coverage.group_number if coverage else "",
            _date(coverage.effective_from) if coverage else "",
            _date(coverage.effective_to) if coverage else "",
            coverage.priority if coverage else "",
            authorization.number if authorization else "",
            authorization.code if authorization else "",
            _date(authorization.start_date) if authorization else "",
            _date(authorization.end_date) if authorization else "",
            authorization.units_authorized if authorization else "",
            authorization.unit_type if authorization else "",
            _date(authorization.next_review_date) if authorization else "",
        )

    return csv_text(header=CENSUS_EXPORT_HEADER, rows=(values(row) for row in rows))


def billing_export_csv(rows: list[BillingAttendanceRow], *, tzinfo) -> str:
    def values(row: BillingAttendanceRow) -> tuple:
        record, line, coverage = row.record, row.line, row.coverage
        session, client = record.session, record.episode.client
        return (
            _date(session.local_date),
            time_hm(session.starts_at, tzinfo),
            time_hm(session.ends_at, tzinfo),
            client.last_name,
            client.first_name,
            _date(client.date_of_birth),
            record.episode.program.name,
            session.group.name,
            session.group.group_type.name,
            record.status,
            record.attended_minutes,
            line.code_system if line else "",
            line.code if line else "",
            row.units if row.units is not None else "",
            line.unit_type if line else "",
            row.rendering,
            row.rendering_credentials,
            coverage.payer.name if coverage else "",
            coverage.member_id if coverage else "",
            row.authorization.number if row.authorization else "",
        )

    return csv_text(header=BILLING_EXPORT_HEADER, rows=(values(row) for row in rows))
