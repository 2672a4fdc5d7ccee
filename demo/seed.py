"""Demo data for `python manage.py seed_demo`: two organizations, their programs, staff and
clients (`demo.people`), a group schedule for each (`demo.schedule`), coverage and authorizations
(`demo.authorizations`), and for Harbor weeks of attendance recorded through the roll-call service
as the facilitators would have (`demo.attendance`).

Everything is written through the real write path, and a second run changes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from demo.appeals import seed_appeals
from demo.attendance import HARBOR_ATTENDANCE, AttendanceSpec, seed_attendance
from demo.authorizations import seed_authorization_cases, seed_authorization_history, seed_coverage
from demo.discharge import seed_discharge
from demo.people import (
    BELL,
    COUNSELOR,
    GOALS,
    OSEI,
    PARK,
    RAMAN,
    SEED,
    ClientSpec,
    OrganizationReport,
    ProgramSpec,
    StaffSpec,
    client_plan,
    client_specs,
    demo_password,
    ensure_client,
    ensure_couples,
    ensure_program,
    ensure_staff,
    ensure_user,
    recently_admitted,
)
from demo.reviews import seed_reviews
from demo.schedule import HARBOR_SCHEDULE, SUMMIT_SCHEDULE, ScheduleSpec, ensure_schedule
from iop.clients.models import Episode, EpisodeStatus, TherapyTrack
from iop.common.weeks import week_start_for
from iop.notifications.services import notifications_resolve
from iop.tenancy.context import tenant_context
from iop.tenancy.models import Organization, Role, Weekday


@dataclass(frozen=True)
class OrganizationSpec:
    slug: str
    name: str
    timezone: str
    week_start: int
    programs: tuple[ProgramSpec, ...]
    staff: tuple[StaffSpec, ...]
    clients: tuple[ClientSpec, ...]
    intake_by: str | None  # email of the staff member recorded as doing intake
    schedule: ScheduleSpec | None = None
    attendance: AttendanceSpec | None = None  # past weeks' attendance to record (needs a schedule)


@dataclass
class SeedReport:
    organizations: list[OrganizationReport]
    logins: list[tuple[str, str, str]]  # (email, role label, organization name)
    passwords_reset: int  # existing logins whose password changed to `password`
    password: str


def demo_organizations() -> tuple[OrganizationSpec, ...]:
    rng = random.Random(SEED)  # noqa: S311 - repeatable demo people, not a secret
    used: set[tuple[str, str]] = set()
    S = EpisodeStatus
    harbor_plan = client_plan("mh", {S.REFERRED: 3, S.INTAKE: 2, S.ACTIVE: 17, S.STEP_DOWN: 2, S.DISCHARGED: 2}) + [
        ("couples", S.ACTIVE, 1),
        ("couples", S.ACTIVE, 1),
        ("couples", S.ACTIVE, 2),
        ("couples", S.ACTIVE, 2),
    ]
    summit_plan = client_plan("sud", {S.REFERRED: 1, S.INTAKE: 1, S.ACTIVE: 3, S.DISCHARGED: 1})
    # Newer admissions (active clients 13 to 16 of the adult program, in placement order): the last
    # two of the Tue/Wed/Thu pattern were admitted about two and a half weeks ago, the two placed
    # short of hours about ten days ago — before this week, so their pace this week is judged.
    harbor_clients = recently_admitted(client_specs(rng, used, harbor_plan), "mh", {13: 24, 14: 21, 15: 14, 16: 12})
    harbor = OrganizationSpec(
        slug="harbor",
        name="Harbor Virtual IOP",
        timezone="America/New_York",
        week_start=Weekday.MONDAY,
        programs=(
            ProgramSpec(
                "mh",
                "Adult Mental Health IOP",
                Decimal("9.0"),
                3,
                (TherapyTrack.GROUP, TherapyTrack.INDIVIDUAL, TherapyTrack.MEDICATION_MANAGEMENT),
                GOALS["mh"],
            ),
            ProgramSpec(
                "couples",
                "Couples IOP",
                Decimal("9.0"),
                3,
                (TherapyTrack.GROUP, TherapyTrack.COUPLES, TherapyTrack.INDIVIDUAL),
                GOALS["couples"],
            ),
        ),
        staff=(
            StaffSpec("admin@harbor.test", "Dana Whitfield", Role.ORG_ADMIN),
            StaffSpec("intake@harbor.test", "Marisol Ortega", Role.INTAKE),
            StaffSpec("va@harbor.test", "Jordan Ellis", Role.VA),
            StaffSpec(RAMAN, "Dr. Priya Raman", Role.CLINICIAN, can_facilitate=True, credentials="PsyD"),
            StaffSpec(BELL, "Marcus Bell", Role.CLINICIAN, can_facilitate=True, credentials="LCSW"),
            StaffSpec(PARK, "Elena Park", Role.CLINICIAN, can_facilitate=True, credentials="LPC"),
            StaffSpec(OSEI, "Samuel Osei", Role.CLINICIAN, can_facilitate=True, credentials="LMFT"),
        ),
        clients=harbor_clients,
        intake_by="intake@harbor.test",
        schedule=HARBOR_SCHEDULE,
        attendance=HARBOR_ATTENDANCE,
    )
    summit = OrganizationSpec(
        slug="summit",
        name="Summit Recovery IOP",
        timezone="America/Chicago",
        week_start=Weekday.SUNDAY,
        programs=(
            ProgramSpec(
                "sud",
                "SUD IOP",
                Decimal("9.0"),
                3,
                (TherapyTrack.GROUP, TherapyTrack.SUD_COUNSELING, TherapyTrack.INDIVIDUAL),
                GOALS["sud"],
            ),
        ),
        staff=(
            StaffSpec("va@summit.test", "Casey Morgan", Role.VA),
            StaffSpec(COUNSELOR, "Jamie Rivera", Role.CLINICIAN, can_facilitate=True, credentials="LADC"),
        ),
        clients=client_specs(rng, used, summit_plan),
        intake_by=None,
        schedule=SUMMIT_SCHEDULE,
    )
    return (harbor, summit)


def ensure_organization(spec: OrganizationSpec, report: OrganizationReport) -> Organization:
    organization, created = Organization.objects.get_or_create(
        slug=spec.slug, defaults={"name": spec.name, "timezone": spec.timezone, "week_start": spec.week_start}
    )
    if created:
        report.add("organization")
    return organization


def seed_demo(*, password: str | None = None) -> SeedReport:
    """Create the demo organizations, staff and clients that are missing; change nothing else."""
    password = password or demo_password()
    reports: list[OrganizationReport] = []
    logins: list[tuple[str, str, str]] = []
    passwords_reset = 0
    for spec in demo_organizations():
        report = OrganizationReport(slug=spec.slug, name=spec.name, timezone=spec.timezone)
        with transaction.atomic():
            organization = ensure_organization(spec, report)
            users = {}
            for staff in spec.staff:
                users[staff.email], reset = ensure_user(staff, password)
                passwords_reset += reset
                logins.append((staff.email, Role(staff.role).label, spec.name))
            with tenant_context(organization.id):
                for staff in spec.staff:
                    ensure_staff(organization, staff, users[staff.email], report)
                programs = {p.key: (ensure_program(organization, p, report), p) for p in spec.programs}
                today = timezone.localdate(timezone=organization.tzinfo)
                actor = users.get(spec.intake_by) if spec.intake_by else None
                history_weeks = spec.attendance.weeks if spec.attendance else 0
                earliest_admission = week_start_for(organization, today) - dt.timedelta(weeks=history_weeks + 1)
                clients = {
                    c: ensure_client(organization, c, *programs[c.program], actor, today, report, earliest_admission)
                    for c in spec.clients
                }
                ensure_couples(organization, clients, report, today)
                seed_coverage(
                    organization=organization,
                    clients=list(clients.values()),
                    verified_by=actor,
                    today=today,
                    report=report,
                )
                if spec.schedule is not None:
                    placed = ensure_schedule(
                        organization,
                        spec.schedule,
                        {k: p for k, (p, _) in programs.items()},
                        clients,
                        users,
                        today,
                        history_weeks,
                        report,
                    )
                    if spec.attendance is not None:
                        # Authorizations first: days attended without one are flagged as they are recorded.
                        seed_authorization_history(
                            organization=organization,
                            episodes=list(
                                Episode.objects.filter(status=EpisodeStatus.ACTIVE).select_related("client", "program")
                            ),
                            actor=actor,
                            today=today,
                            report=report,
                        )
                        seed_attendance(
                            organization=organization,
                            spec=spec.attendance,
                            placed=placed,
                            staff=users[spec.schedule.placed_by],
                            now=timezone.now(),
                            report=report,
                        )
                        seed_authorization_cases(
                            organization=organization, actor=actor, now=timezone.now(), report=report
                        )
                        seed_reviews(organization=organization, now=timezone.now(), report=report)
                        seed_appeals(organization=organization, actor=actor, now=timezone.now(), report=report)
                seed_discharge(organization=organization, now=timezone.now(), report=report)
                # Inbox lines about what the seeded history already fixed leave the unread lists
                # at once, as the background job would within minutes.
                notifications_resolve(organization=organization)
        reports.append(report)
    return SeedReport(organizations=reports, logins=logins, passwords_reset=passwords_reset, password=password)
