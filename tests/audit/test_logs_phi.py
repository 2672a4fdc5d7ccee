"""No log line carries client data, whatever logs it and at whatever level.

Everything any logger emits is captured at DEBUG: the records (caplog, every logger at DEBUG) and
what the root handlers configured by settings.LOGGING write. A client is given marker values
(name, date of birth, member id, email) and driven through the pages, the API, the PDF renderer
and a real Celery worker; no marker may appear.

WeasyPrint is the known offender: it warns once per character no font covers, quoting the
character. `𱍐` (U+31350, CJK Extension H, a rare ideograph of a kind real names carry) is in no
font we install, so a name holding it exercises that warning on any machine, fonts or not.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from celery.contrib.testing.worker import start_worker
from django.urls import reverse

from attendance.models import AttendanceReport, ReportStatus
from authorizations.models import Payer, PayerPlan, PlanType
from iop.audit.logging import RequestIdFilter
from iop.clients.models import Client, EpisodeStatus
from iop.tenancy.context import tenant_context
from tests.conftest import login
from tests.factories import EpisodeFactory, TreatmentPlanFactory
from tests.workers import WORKER_QUEUES, broker  # noqa: F401 - fixture

API = "/api/v1/o/harbor"
UNCOVERED = "\U00031350"  # no installed font has it: WeasyPrint draws a box and warns


@dataclass
class CapturedLogs:
    """Everything logged while active: the records, and what each root handler wrote."""

    caplog: pytest.LogCaptureFixture
    streams: list[io.StringIO] = field(default_factory=list)
    swapped: list[tuple[logging.StreamHandler, object]] = field(default_factory=list)

    def start(self) -> None:
        """Every logger at DEBUG; the records captured; the root handlers' output (their own
        formatters and filters) written to buffers as well. Called again after something re-ran
        `django.setup()` (a Celery worker does: settings.LOGGING replaces the root handlers)."""
        if self.caplog.handler not in logging.root.handlers:
            logging.root.addHandler(self.caplog.handler)
        self.caplog.set_level(logging.DEBUG)
        for name, logger in list(logging.root.manager.loggerDict.items()):
            if isinstance(logger, logging.Logger):
                self.caplog.set_level(logging.DEBUG, logger=name)
        for handler in logging.root.handlers:
            # Settings' handlers (the console), not pytest's own capture handlers.
            if isinstance(handler, logging.StreamHandler) and not type(handler).__module__.startswith("_pytest"):
                assert any(isinstance(f, RequestIdFilter) for f in handler.filters)  # LOGGING's console
                buffer = io.StringIO()
                self.streams.append(buffer)
                self.swapped.append((handler, handler.setStream(buffer)))
        assert self.streams, "no root handler from settings.LOGGING"

    def stop(self) -> None:
        for handler, stream in self.swapped:
            handler.setStream(stream)

    def text(self) -> str:
        records = self.caplog.records
        parts = [self.caplog.text, *(s.getvalue() for s in self.streams)]
        # Also the raw pieces, in case a formatter left one out.
        parts += [f"{r.msg!s} {r.args!r} {r.exc_text or ''}" for r in records]
        return "\n".join(parts)

    def kinds(self) -> list[str]:
        """The records' format strings (what kind of message, without its arguments)."""
        return [str(r.msg) for r in self.caplog.records]


@pytest.fixture
def all_logs(caplog) -> Iterator[CapturedLogs]:
    captured = CapturedLogs(caplog=caplog)
    captured.start()
    try:
        yield captured
    finally:
        captured.stop()


@pytest.fixture
def care(harbor, harbor_program):
    """A client in care, named in scripts a US program meets (their fonts are installed)."""
    with tenant_context(harbor.id):
        episode = EpisodeFactory(
            organization=harbor,
            client__organization=harbor,
            client__first_name="小明",
            client__last_name="王",
            program=harbor_program,
            status=EpisodeStatus.ACTIVE,
        )
        TreatmentPlanFactory(organization=harbor, episode=episode)
    return episode


def report_pdf(client, harbor, episode) -> bytes:
    url = reverse("attendance_reports:episode_report_pdf", kwargs={"org_slug": harbor.slug, "episode_id": episode.pk})
    response = client.get(url)
    assert response.status_code == 200
    return response.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("first", "last"),
    [("小明", "王"), ("አበበ", "በቀለ"), (f"小{UNCOVERED}", "王")],
    ids=["chinese", "ethiopic", "no-font"],
)
def test_a_pdf_of_a_client_named_in_any_script_logs_no_character_of_the_name(
    client, harbor, harbor_clinician, care, all_logs, first, last
):
    with tenant_context(harbor.id):
        Client.objects.filter(pk=care.client_id).update(first_name=first, last_name=last)

    content = report_pdf(login(client, harbor_clinician), harbor, care)

    assert content.startswith(b"%PDF-")
    logged = all_logs.text()
    for character in set(first + last):
        assert character not in logged
        assert f"{ord(character):04X}" not in logged  # nor its code point
    if UNCOVERED in first:
        # The warning itself still reaches the log (a missing font is worth knowing), without the
        # character: this render did go through WeasyPrint's missing-glyph path.
        notdef = [kind for kind in all_logs.kinds() if kind.startswith(".notdef glyph rendered")]
        assert notdef and all("details withheld" in kind for kind in notdef)


# --- A whole request/worker cycle ------------------------------------------------------------------

FIRST, LAST = "Quillonette", f"Marchbanks王{UNCOVERED}"
DOB = dt.date(1961, 7, 23)
MEMBER_ID = "MKR7Q4ZX9"
EMAIL = "quillonette.marker@marker-mail.test"
PHONE = "555-014-7788"
MARKERS = [
    FIRST,
    "Marchbanks",
    "王",
    UNCOVERED,
    "U+31350",
    MEMBER_ID,
    EMAIL,
    "marker-mail",
    PHONE,
    "1961-07-23",
    "07/23/1961",
    "7/23/1961",
    "23 Jul 1961",
    "July 23, 1961",
    "1961, 7, 23",  # a repr of the date
]


def wait_until(condition, *, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout:.0f} s"
        time.sleep(0.2)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_no_marker_of_a_client_reaches_any_log_over_pages_api_pdf_and_worker(
    broker,  # noqa: F811 - fixture
    client,
    api,
    harbor,
    harbor_program,
    harbor_intake,
    harbor_clinician,
    all_logs,
):
    with tenant_context(harbor.id):
        payer = Payer.objects.create(name="Blue Harbor PPO", payer_id="BHP01")
        plan = PayerPlan.objects.create(payer=payer, name="Gold PPO", plan_type=PlanType.PPO)
    intake = api(harbor_intake)
    # The real worker, in a thread, consuming the production queues from Redis. Starting, it runs
    # django.setup() as a worker process does, which applies settings.LOGGING again: the capture
    # starts again on the handlers it made.
    with start_worker(broker, pool="solo", perform_ping_check=False, queues=WORKER_QUEUES, shutdown_timeout=15):
        all_logs.start()

        # The API: the client is created (markers in the request body), refused once (bad input
        # echoing markers), read back; the coverage carries the member id.
        fields = {"first_name": FIRST, "last_name": LAST, "email": EMAIL, "phone": PHONE}
        created = intake.post(f"{API}/clients/", {**fields, "date_of_birth": DOB.isoformat()}, format="json")
        assert created.status_code == 201, created.json()
        client_id = created.json()["id"]
        refused = intake.post(f"{API}/clients/", {**fields, "date_of_birth": "07/23/1961x"}, format="json")
        assert refused.status_code == 400
        assert intake.get(f"{API}/clients/{client_id}/").json()["email"] == EMAIL
        coverage = intake.post(
            f"{API}/coverages/",
            {
                "client": client_id,
                "payer": str(payer.pk),
                "plan": str(plan.pk),
                "member_id": MEMBER_ID,
                "effective_from": "2026-01-01",
            },
            format="json",
        )
        assert coverage.status_code == 201, coverage.json()
        assert MEMBER_ID in intake.get(f"{API}/coverages/", {"client": client_id}).content.decode()

        with tenant_context(harbor.id):
            episode = EpisodeFactory(
                organization=harbor,
                client=Client.objects.get(pk=client_id),
                program=harbor_program,
                status=EpisodeStatus.ACTIVE,
            )
            TreatmentPlanFactory(organization=harbor, episode=episode)

        # The pages: the list searched by name (a POST), the client page, the PDF made in the
        # request; then a report made by the worker and downloaded.
        pages = login(client, harbor_clinician)
        org = {"org_slug": harbor.slug}
        searched = pages.post(reverse("clients:client_list", kwargs=org), {"q": FIRST})
        assert FIRST in searched.content.decode()
        detail = pages.get(reverse("clients:client_detail", kwargs={**org, "client_id": client_id}))
        assert EMAIL in detail.content.decode()
        assert report_pdf(pages, harbor, episode).startswith(b"%PDF-")

        today = harbor.local_today()
        requested = pages.post(
            reverse("attendance_reports:report_request", kwargs={**org, "episode_id": episode.pk}),
            {
                "background-start": (today - dt.timedelta(days=13)).isoformat(),
                "background-end": today.isoformat(),
                "background-purpose": f"Review call for {FIRST}",
            },
        )
        assert requested.status_code == 302

        def ready() -> bool:
            with tenant_context(harbor.id):
                return AttendanceReport.objects.filter(status=ReportStatus.READY).exists()

        wait_until(ready, what="the worker's report")
        with tenant_context(harbor.id):
            report = AttendanceReport.objects.get()
        download = pages.get(reverse("attendance_reports:report_download", kwargs={**org, "report_id": report.pk}))
        assert download.status_code == 200 and download.content.startswith(b"%PDF-")

    logged = all_logs.text()
    # The capture did see the cycle: the worker's task, WeasyPrint's missing-glyph warnings.
    assert "attendance.report_generate" in logged and "succeeded" in logged
    assert any(kind.startswith(".notdef glyph rendered") for kind in all_logs.kinds())
    leaked = [marker for marker in MARKERS if marker in logged]
    assert not leaked, [line for line in logged.splitlines() if any(m in line for m in leaked)][:20]


@pytest.mark.parametrize("name", ["weasyprint", "fontTools.subset"])
def test_the_font_loggers_keep_a_message_s_kind_but_never_its_arguments(all_logs, name):
    # fontTools subsets the fonts when HarfBuzz's subsetter is missing (a machine without
    # libharfbuzz-subset0): its INFO lines list the code points of the characters of the text.
    logging.getLogger(name).warning("Missing glyphs for requested Unicodes: %s", [0x738B, 0x5C0F])

    logged = all_logs.text()
    assert "Missing glyphs for requested Unicodes: … (details withheld)" in logged
    assert "738B" not in logged.upper() and str(0x738B) not in logged
