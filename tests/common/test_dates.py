"""One way of writing dates and times (iop/common/dates.py): the functions, the template filters
built into every template, a bare `|date`, and a scan of the templates and the code for the formats
this replaced ("Tue Dec 8", "Dec 7, 2026", 12-hour times, "12/08/2026")."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from pathlib import Path

import pytest
from django.template import Context, Template

from iop.common.dates import date_full, date_range, date_short, datetime_full, datetime_short, time_hm
from tests.source import ROOT, project_modules

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
DAY = dt.date(2026, 12, 8)  # a Tuesday
# 19:30 UTC is 14:30 in New York (EST); the UTC date and the local date differ after 05:00 UTC.
INSTANT = dt.datetime(2026, 12, 8, 19, 30, tzinfo=dt.UTC)
LATE = dt.datetime(2026, 12, 9, 3, 5, tzinfo=dt.UTC)  # Tue 8 Dec 22:05 in New York


def test_the_functions_write_the_day_before_the_month_and_24_hour_times():
    assert date_short(DAY) == "Tue 8 Dec"
    assert date_full(DAY) == "8 Dec 2026"
    assert time_hm(dt.time(9, 5)) == "09:05"
    assert time_hm(INSTANT, NEW_YORK) == "14:30"
    assert datetime_short(INSTANT, NEW_YORK) == "Tue 8 Dec, 14:30"
    assert datetime_full(INSTANT, NEW_YORK) == "8 Dec 2026, 14:30"


def test_a_datetime_is_written_in_the_zone_given_not_in_utc():
    assert date_short(LATE, NEW_YORK) == "Tue 8 Dec"
    assert datetime_full(LATE, NEW_YORK) == "8 Dec 2026, 22:05"
    assert datetime_full(LATE) == "9 Dec 2026, 03:05"  # no zone given: its own wall time


def test_a_range_writes_its_year_once_unless_it_crosses_one():
    assert date_range(DAY, dt.date(2026, 12, 20)) == "8 Dec – 20 Dec 2026"
    assert date_range(dt.date(2026, 12, 28), dt.date(2027, 1, 3)) == "28 Dec 2026 – 3 Jan 2027"


def render(source: str, **context) -> str:
    return Template("{% load tz %}{% timezone 'America/New_York' %}" + source + "{% endtimezone %}").render(
        Context(context)
    )


def test_the_template_filters_are_the_functions_in_the_page_zone_and_need_no_load():
    assert render("{{ d|date_short }}|{{ d|date_full }}", d=DAY) == "Tue 8 Dec|8 Dec 2026"
    assert render("{{ t|time_hm }}|{{ t|datetime_short }}|{{ t|datetime_full }}", t=LATE) == (
        "22:05|Tue 8 Dec, 22:05|8 Dec 2026, 22:05"
    )
    assert render("{{ a|date_range:b }}", a=DAY, b=dt.date(2026, 12, 20)) == "8 Dec – 20 Dec 2026"


def test_an_empty_value_renders_empty_so_a_default_shows():
    assert render('{{ none|date_full|default:"—" }}|{{ none|time_hm }}|{{ a|date_range:none }}', none=None, a=DAY) == (
        "—||"
    )


def test_a_bare_date_filter_and_a_printed_date_use_the_same_formats():
    # Django's own English formats are month first ("Dec. 8, 2026"); iop/formats/en replaces them.
    assert render("{{ d }}|{{ d|date }}|{{ t }}|{{ t|time }}", d=DAY, t=INSTANT) == (
        "8 Dec 2026|8 Dec 2026|8 Dec 2026, 14:30|14:30"
    )
    assert render('{{ d|date:"SHORT_DATE_FORMAT" }}', d=DAY) == "Tue 8 Dec"


# --- The old formats do not come back -----------------------------------------------------------------

# Template formats that are not a way of writing a date: a month's or a weekday's name as a
# heading, a zone's name next to a time, ISO for machines; and the audit trail's datetime_full to
# the second (two events of one minute stay apart).
TEMPLATE_FORMATS_ALLOWED = {"F Y", "F", "l", "T", "e", "c", "Y-m-d", "U", "j M Y, H:i:s"}
TEMPLATE_FORMAT = re.compile(r"""\|(?:date|time):(["'])(.*?)\1""")


def _templates() -> list[Path]:
    return [p for p in sorted((ROOT / "templates").rglob("*")) if p.suffix in {".html", ".txt"}]


def test_templates_write_dates_only_through_the_filters():
    found = []
    for path in _templates():
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for match in TEMPLATE_FORMAT.finditer(line):
                if match.group(2) not in TEMPLATE_FORMATS_ALLOWED:
                    found.append(f"{path.relative_to(ROOT)}:{number}: date:{match.group(1)}{match.group(2)}")
    assert not found, "Use date_short, date_full, time_hm, datetime_short, datetime_full or date_range:\n" + "\n".join(
        found
    )


# strftime directives that write a date for people: names of days and months, 12-hour clocks,
# unpadded or locale forms. Machine formats (ISO: %Y-%m-%d, %H:%M in an input's value) stay.
PEOPLE_DIRECTIVES = re.compile(r"%-?[aAbBhpIcxXe]|%-[dmIHM]")
# An f-string replacement field with a date format spec (`{day:%d %b}`): only ISO ones are allowed.
FORMAT_SPEC = re.compile(r"\{[^{}\n]*?:(%[^{}\n]*)\}")
MACHINE_SPECS = {"%Y-%m-%d", "%Y%m%d", "%y%m%d", "%m%d", "%y%m", "%Y%m%dT%H%M", "%Y-%m-%d %H:%M"}
# Django format strings for people outside iop/common/dates.py (month-first ones included).
DJANGO_FORMAT = re.compile(r"""["'](?:N j, Y|M j|F j|D M j|m/d/Y|j M Y|D j M)["']""")
OWN = {Path("iop/common/dates.py"), Path("iop/formats/en/formats.py")}


def _python_findings() -> list[str]:
    found = []
    for relative in project_modules():
        if relative in OWN:
            continue
        for number, line in enumerate((ROOT / relative).read_text().splitlines(), 1):
            where = f"{relative}:{number}: {line.strip()}"
            specs = [s for s in FORMAT_SPEC.findall(line) if s not in MACHINE_SPECS]
            if specs or ("strftime(" in line and PEOPLE_DIRECTIVES.search(line)) or DJANGO_FORMAT.search(line):
                found.append(where)
    return found


def test_the_code_writes_dates_for_people_only_through_iop_common_dates():
    found = _python_findings()
    assert not found, "Use iop.common.dates (date_short, date_full, time_hm, …):\n" + "\n".join(found)


@pytest.mark.parametrize(
    "line",
    [
        'f"Your sessions on {day:%A, %B} {day.day}"',
        'f"{value:%b} {value.day}, {value.year}"',
        'f"Due {when:%a %-d %b, %-I:%M %p}"',
        'f"at {local:%H:%M}"',
        'when.strftime("%b %d")',
        'dateformat.format(day, "N j, Y")',
    ],
)
def test_the_scan_catches_the_old_formats(line, tmp_path, monkeypatch):
    module = tmp_path / "old.py"
    module.write_text(line + "\n")
    monkeypatch.setattr("tests.common.test_dates.ROOT", tmp_path)
    monkeypatch.setattr("tests.common.test_dates.project_modules", lambda: [Path("old.py")])
    assert _python_findings() == [f"old.py:1: {line}"]


def test_the_scan_leaves_machine_formats_alone(tmp_path, monkeypatch):
    module = tmp_path / "iso.py"
    module.write_text('name = f"report-{start:%Y-%m-%d}.pdf"\nvalue = at.strftime("%Y-%m-%dT%H:%M")\n')
    monkeypatch.setattr("tests.common.test_dates.ROOT", tmp_path)
    monkeypatch.setattr("tests.common.test_dates.project_modules", lambda: [Path("iso.py")])
    assert _python_findings() == []
