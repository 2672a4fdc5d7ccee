"""Demo data for `python manage.py seed_demo`: two organizations, their programs, staff and clients.

Everything is written through the real write path: the client services inside
`tenant_context(organization.id)`, connected as the app role under Row-Level Security when run by
`make run`. Names, dates of birth and contact details are generated from a fixed seed, so every run
produces the same people; a row that already exists (found by its natural key) is left alone, so a
second run changes nothing. Episode dates are relative to the day the demo was first seeded.

Each organization also gets a group schedule, built with the scheduling services: group types and
their qualified facilitators, groups meeting Monday to Friday mornings, sessions materialised from
four weeks before the current one, the active clients placed (a few deliberately short of their
hours, so the scheduling gaps worklist has work), one full group with a waitlist, and one
facilitator absent next week, leaving sessions to cover. A placement seats clients in future
sessions only: their seats in the sessions already held are backfilled in bulk, as if they had
been placed back then.

Harbor also gets those weeks' attendance, recorded through the roll-call service as the
facilitators would have (see `demo.attendance`).

All people are fictional: reserved `example.com` addresses and 555-01xx telephone numbers.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from dataclasses import dataclass, field, replace
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.db import transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models import Min
from django.utils import timezone
from django.utils.text import slugify

from demo.attendance import AttendanceSpec, DemoClient, seed_attendance
from demo.authorizations import seed_authorization_cases, seed_authorization_history, seed_coverage
from iop.accounts.models import User
from iop.clients.models import Client, Couple, Episode, EpisodeStatus, TherapyTrack
from iop.clients.services import Availability, client_intake, couple_create, episode_transition
from iop.tenancy.context import tenant_context
from iop.tenancy.models import LevelOfCare, Membership, Organization, Program, Role, StaffProfile, Weekday
from scheduling import services as scheduling
from scheduling.models import (
    FacilitatorAbsence,
    Group,
    GroupType,
    Placement,
    RosterEntry,
    RosterStatus,
    Session,
    SessionStatus,
    WeeklySlot,
)
from scheduling.selectors import week_start_for

DEFAULT_DEMO_PASSWORD = "iop-demo-password"
SEED = 20260214

# Monday–Friday 9:00–12:30, the morning block of a typical virtual IOP.
WEEKDAY_MORNINGS = tuple(
    Availability(weekday=day, start_time=dt.time(9, 0), end_time=dt.time(12, 30))
    for day in (Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY, Weekday.FRIDAY)
)

FIRST_NAMES = (
    "Aaliyah",
    "Adrian",
    "Aisha",
    "Alejandro",
    "Amara",
    "Andre",
    "Beatriz",
    "Brandon",
    "Camila",
    "Caleb",
    "Chloe",
    "Darius",
    "Daniela",
    "Elena",
    "Elijah",
    "Fatima",
    "Gabriel",
    "Grace",
    "Hannah",
    "Hector",
    "Imani",
    "Isaac",
    "Jasmine",
    "Javier",
    "Keisha",
    "Kevin",
    "Laila",
    "Lucas",
    "Maya",
    "Marcus",
    "Nadia",
    "Nathan",
    "Olivia",
    "Omar",
    "Priya",
    "Rafael",
    "Rosa",
    "Samuel",
    "Sofia",
    "Tariq",
    "Tessa",
    "Victor",
    "Wendy",
    "Xavier",
    "Yasmin",
    "Zachary",
)
LAST_NAMES = (
    "Abernathy",
    "Alvarez",
    "Bennett",
    "Brooks",
    "Castillo",
    "Chen",
    "Coleman",
    "Delgado",
    "Dubois",
    "Ellison",
    "Fitzgerald",
    "Foster",
    "Garcia",
    "Gallagher",
    "Hayes",
    "Herrera",
    "Ibrahim",
    "Jensen",
    "Kaur",
    "Kowalski",
    "Lambert",
    "Lindqvist",
    "Martinez",
    "McCarthy",
    "Nakamura",
    "Novak",
    "Okafor",
    "Olsen",
    "Patel",
    "Petrov",
    "Quinn",
    "Ramirez",
    "Reyes",
    "Sato",
    "Schmidt",
    "Sullivan",
    "Thompson",
    "Tran",
    "Underwood",
    "Vasquez",
    "Walsh",
    "Washington",
    "Yamamoto",
    "Zimmerman",
)
RELATIONSHIPS = ("Spouse", "Mother", "Father", "Sister", "Brother", "Friend", "Partner", "Aunt")
GOALS = {
    "mh": "Reduce depressive and anxiety symptoms; practise two coping skills daily; "
    "return to a regular sleep and work routine.",
    "couples": "Improve communication during conflict; rebuild trust; agree on a shared relapse-prevention plan.",
    "sud": "Maintain abstinence; attend two mutual-support meetings weekly; build a relapse-prevention plan.",
}


@dataclass(frozen=True)
class StaffSpec:
    email: str
    full_name: str
    role: str
    can_facilitate: bool = False
    credentials: str = ""


@dataclass(frozen=True)
class ProgramSpec:
    key: str
    name: str
    weekly_hours: Decimal
    days_per_week: int
    tracks: tuple[str, ...]
    goals: str


@dataclass(frozen=True)
class ClientSpec:
    program: str  # ProgramSpec.key
    status: str
    first_name: str
    last_name: str
    date_of_birth: dt.date
    email: str
    phone: str
    reminder_channel: str
    emergency_contact_name: str
    emergency_contact_relationship: str
    emergency_contact_phone: str
    days_since_referral: int
    couple: int | None = None  # clients sharing a number form a couple


@dataclass(frozen=True)
class GroupTypeSpec:
    name: str
    qualified: tuple[str, ...]  # emails of the facilitators who may lead it
    track: str = TherapyTrack.GROUP
    counts_toward_hours: bool = True


@dataclass(frozen=True)
class GroupSpec:
    name: str
    group_type: str  # GroupTypeSpec.name
    program: str  # ProgramSpec.key
    capacity: int
    slots: tuple[tuple[int, str, int], ...]  # (weekday, local start "HH:MM", minutes)
    lead: str  # facilitator email
    co: str | None = None


@dataclass(frozen=True)
class PlacementSpec:
    """The next `count` active clients of `program` (in the order of the client specs) are placed
    into `groups`; where a group is full they go on its waitlist."""

    program: str
    count: int
    groups: tuple[str, ...]


@dataclass(frozen=True)
class AbsenceSpec:
    facilitator: str  # email
    first_weekday: int  # of next week
    last_weekday: int
    reason: str


@dataclass(frozen=True)
class ScheduleSpec:
    group_types: tuple[GroupTypeSpec, ...]
    groups: tuple[GroupSpec, ...]
    placements: tuple[PlacementSpec, ...]
    placed_by: str  # email of the staff member recorded as placing clients
    absence: AbsenceSpec | None = None
    attendance: AttendanceSpec | None = None  # past weeks' attendance to record


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


@dataclass
class OrganizationReport:
    slug: str
    name: str
    timezone: str
    created: dict[str, int] = field(default_factory=dict)

    def add(self, what: str, count: int = 1) -> None:
        self.created[what] = self.created.get(what, 0) + count


@dataclass
class SeedReport:
    organizations: list[OrganizationReport]
    logins: list[tuple[str, str, str]]  # (email, role label, organization name)
    passwords_reset: int  # existing logins whose password changed to `password`
    password: str


# --- The people ------------------------------------------------------------------------------


def _clients(
    rng: random.Random, used: set[tuple[str, str]], plan: list[tuple[str, str, int | None]]
) -> tuple[ClientSpec, ...]:
    """One ClientSpec per (program key, status, couple number) in `plan`, with unique names."""
    specs = []
    for index, (program, status, couple) in enumerate(plan):
        # The second partner of a couple shares the household's last name.
        second_partner = couple is not None and index > 0 and plan[index - 1][2] == couple
        shared_last = specs[-1].last_name if second_partner else None
        while True:
            first, last = rng.choice(FIRST_NAMES), shared_last or rng.choice(LAST_NAMES)
            if (first, last) not in used:
                used.add((first, last))
                break
        dob = dt.date(1958, 1, 1) + dt.timedelta(days=rng.randrange(0, 46 * 365))
        specs.append(
            ClientSpec(
                program=program,
                status=status,
                first_name=first,
                last_name=last,
                date_of_birth=dob,
                email=f"{first.lower()}.{last.lower()}@example.com",
                phone=f"555-01{rng.randrange(0, 100):02d}",
                reminder_channel=rng.choice(("email", "email", "sms", "none")),
                emergency_contact_name=f"{rng.choice(FIRST_NAMES)} {last}",
                emergency_contact_relationship=rng.choice(RELATIONSHIPS),
                emergency_contact_phone=f"555-01{rng.randrange(0, 100):02d}",
                days_since_referral={
                    EpisodeStatus.REFERRED: rng.randrange(1, 6),
                    EpisodeStatus.INTAKE: rng.randrange(4, 10),
                    # Admitted (4 days after referral) 5 to 8 weeks ago by this draw, which
                    # `_ensure_client` moves to the week before the schedule's first: the four weeks
                    # of attendance history are full weeks of their care. The draw stays as it was,
                    # so every later name and date (and an existing demo database's clients) stay the same.
                    EpisodeStatus.ACTIVE: 40 + (rng.randrange(12, 60) - 12) // 2,
                    EpisodeStatus.STEP_DOWN: rng.randrange(60, 90),
                    EpisodeStatus.DISCHARGED: rng.randrange(75, 120),
                }[status],
                couple=couple,
            )
        )
    return tuple(specs)


def _plan(program: str, counts: dict[str, int]) -> list[tuple[str, str, int | None]]:
    return [(program, status, None) for status, n in counts.items() for _ in range(n)]


def _recently_admitted(
    specs: tuple[ClientSpec, ...], program: str, days_since_referral: dict[int, int]
) -> tuple[ClientSpec, ...]:
    """Newer admissions: the `program`'s active clients at these positions (in the order of the
    specs, which is the order they are placed in) were referred this many days ago."""
    active = [i for i, s in enumerate(specs) if s.program == program and s.status == EpisodeStatus.ACTIVE]
    specs = list(specs)
    for position, days in days_since_referral.items():
        specs[active[position]] = replace(specs[active[position]], days_since_referral=days)
    return tuple(specs)


MON, TUE, WED, THU, FRI = Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY, Weekday.FRIDAY

RAMAN, BELL, PARK, OSEI = "clinician@harbor.test", "bell@harbor.test", "park@harbor.test", "osei@harbor.test"

# Harbor's mornings, 9:00–12:30 Eastern: two 90-minute blocks with a 30-minute community check-in
# between them. Clients follow one of two weekly patterns, each 9 counted hours over 3 days:
# Mon/Wed/Fri (process group + DBT skills, or + the couples group) or Tue/Wed/Thu (process group +
# psychoeducation, relapse prevention on Wednesday), plus a mindfulness group on two of their other
# mornings. That is 12 scheduled hours for the 9 required: a client who misses a session (or is
# late) is still on track, while one who misses two must attend everything left that week — with
# exactly 9 hours booked, every client would read "at risk" until the week's last session.
# Relapse prevention has 8 seats for 8 clients of its pattern, so the two clients placed after them
# wait for a seat (and stay short of hours: the scheduling gaps worklist shows them).
HARBOR_SCHEDULE = ScheduleSpec(
    group_types=(
        GroupTypeSpec("Process group", (RAMAN, BELL, PARK, OSEI)),
        GroupTypeSpec("Skills training (DBT)", (RAMAN, BELL)),
        GroupTypeSpec("Psychoeducation", (RAMAN, BELL, PARK)),
        GroupTypeSpec("Couples group", (OSEI, PARK), track=TherapyTrack.COUPLES),
        GroupTypeSpec("Relapse prevention", (PARK, BELL)),
        GroupTypeSpec("Community check-in", (RAMAN, BELL, PARK, OSEI), counts_toward_hours=False),
        GroupTypeSpec("Mindfulness & wellness", (BELL, OSEI)),
    ),
    groups=(
        GroupSpec(
            "Process Group (Mon/Wed/Fri)",
            "Process group",
            "mh",
            12,
            ((MON, "09:00", 90), (WED, "09:00", 90), (FRI, "09:00", 90)),
            lead=RAMAN,
        ),
        GroupSpec(
            "Community Check-in",
            "Community check-in",
            "mh",
            12,
            tuple((day, "10:30", 30) for day in (MON, TUE, WED, THU, FRI)),
            lead=OSEI,
        ),
        GroupSpec(
            "DBT Skills",
            "Skills training (DBT)",
            "mh",
            10,
            ((MON, "11:00", 90), (WED, "11:00", 90), (FRI, "11:00", 90)),
            lead=BELL,
        ),
        GroupSpec(
            "Couples Group",
            "Couples group",
            "couples",
            8,
            ((MON, "11:00", 90), (WED, "11:00", 90), (FRI, "11:00", 90)),
            lead=OSEI,
            co=PARK,
        ),
        GroupSpec(
            "Process Group (Tue/Thu)", "Process group", "mh", 10, ((TUE, "09:00", 90), (THU, "09:00", 90)), lead=PARK
        ),
        GroupSpec(
            "Psychoeducation",
            "Psychoeducation",
            "mh",
            12,
            ((TUE, "11:00", 90), (WED, "11:00", 90), (THU, "11:00", 90)),
            lead=RAMAN,
        ),
        GroupSpec("Relapse Prevention", "Relapse prevention", "mh", 8, ((WED, "09:00", 90),), lead=PARK),
        GroupSpec(
            "Mindfulness & Wellness (Tue/Thu)",
            "Mindfulness & wellness",
            "mh",
            12,
            ((TUE, "11:00", 90), (THU, "11:00", 90)),
            lead=BELL,
        ),
        GroupSpec(
            "Mindfulness & Wellness (Mon/Fri)",
            "Mindfulness & wellness",
            "mh",
            10,
            ((MON, "09:00", 90), (FRI, "09:00", 90)),
            lead=OSEI,
        ),
    ),
    placements=(
        PlacementSpec(
            "couples",
            4,
            (
                "Process Group (Mon/Wed/Fri)",
                "Couples Group",
                "Community Check-in",
                "Mindfulness & Wellness (Tue/Thu)",
            ),
        ),
        PlacementSpec(
            "mh",
            7,
            ("Process Group (Mon/Wed/Fri)", "DBT Skills", "Community Check-in", "Mindfulness & Wellness (Tue/Thu)"),
        ),
        PlacementSpec(
            "mh",
            8,
            ("Process Group (Tue/Thu)", "Psychoeducation", "Relapse Prevention", "Mindfulness & Wellness (Mon/Fri)"),
        ),
        # Short of their hours (DBT only, relapse prevention full): the gaps worklist shows them.
        PlacementSpec("mh", 2, ("DBT Skills", "Relapse Prevention")),
    ),
    placed_by="va@harbor.test",
    absence=AbsenceSpec(PARK, TUE, THU, "Conference"),
    # Who plays which part in the attendance history, as (placement above, position in it): see
    # AttendanceSpec. The couples (placement 0) are left to ordinary weeks.
    attendance=AttendanceSpec(
        weeks=4,
        flu=(1, 2),
        missed_a_day=(2, 1),
        no_shows=(1, 4),
        at_risk=((2, 2), (1, 0), (2, 4), (1, 6), (2, 6)),
        cannot_reach=((1, 5), (2, 3), (1, 1), (2, 5)),
    ),
)

COUNSELOR = "counselor@summit.test"
SUMMIT_SCHEDULE = ScheduleSpec(
    group_types=(
        GroupTypeSpec("Process group", (COUNSELOR,)),
        GroupTypeSpec("Relapse prevention", (COUNSELOR,), track=TherapyTrack.SUD_COUNSELING),
    ),
    groups=(
        GroupSpec(
            "Recovery Process Group",
            "Process group",
            "sud",
            10,
            ((MON, "09:00", 90), (WED, "09:00", 90), (THU, "09:00", 90)),
            lead=COUNSELOR,
        ),
        GroupSpec(
            "Relapse Prevention Skills",
            "Relapse prevention",
            "sud",
            10,
            ((MON, "10:45", 90), (WED, "10:45", 90), (THU, "10:45", 90)),
            lead=COUNSELOR,
        ),
    ),
    placements=(PlacementSpec("sud", 3, ("Recovery Process Group", "Relapse Prevention Skills")),),
    placed_by="va@summit.test",
)


def demo_organizations() -> tuple[OrganizationSpec, ...]:
    rng = random.Random(SEED)  # noqa: S311 - repeatable demo people, not a secret
    used: set[tuple[str, str]] = set()
    S = EpisodeStatus
    harbor_plan = _plan("mh", {S.REFERRED: 3, S.INTAKE: 2, S.ACTIVE: 17, S.STEP_DOWN: 2, S.DISCHARGED: 2}) + [
        ("couples", S.ACTIVE, 1),
        ("couples", S.ACTIVE, 1),
        ("couples", S.ACTIVE, 2),
        ("couples", S.ACTIVE, 2),
    ]
    summit_plan = _plan("sud", {S.REFERRED: 1, S.INTAKE: 1, S.ACTIVE: 3, S.DISCHARGED: 1})
    # Newer admissions (active clients 13 to 16 of the adult program, in placement order): the last
    # two of the Tue/Wed/Thu pattern were admitted about two and a half weeks ago, the two placed
    # short of hours about ten days ago — before this week, so their pace this week is judged.
    harbor_clients = _recently_admitted(_clients(rng, used, harbor_plan), "mh", {13: 24, 14: 21, 15: 14, 16: 12})
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
        clients=_clients(rng, used, summit_plan),
        intake_by=None,
        schedule=SUMMIT_SCHEDULE,
    )
    return (harbor, summit)


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD


# --- Writing it ------------------------------------------------------------------------------

# The steps an episode takes from referral to its demo status, with days after referral.
_ADMITTED_AFTER_REFERRAL = 4  # days: the ACTIVE step of `_PATH`

_PATH = {
    EpisodeStatus.REFERRED: (),
    EpisodeStatus.INTAKE: ((EpisodeStatus.INTAKE, 1),),
    EpisodeStatus.ACTIVE: ((EpisodeStatus.INTAKE, 1), (EpisodeStatus.ACTIVE, _ADMITTED_AFTER_REFERRAL)),
    EpisodeStatus.STEP_DOWN: (
        (EpisodeStatus.INTAKE, 1),
        (EpisodeStatus.ACTIVE, 4),
        (EpisodeStatus.STEP_DOWN, 46),
    ),
    EpisodeStatus.DISCHARGED: (
        (EpisodeStatus.INTAKE, 1),
        (EpisodeStatus.ACTIVE, 4),
        (EpisodeStatus.DISCHARGED, 60),
    ),
}


def _ensure_organization(spec: OrganizationSpec, report: OrganizationReport) -> Organization:
    organization, created = Organization.objects.get_or_create(
        slug=spec.slug, defaults={"name": spec.name, "timezone": spec.timezone, "week_start": spec.week_start}
    )
    if created:
        report.add("organization")
    return organization


def _ensure_user(staff: StaffSpec, password: str) -> tuple[User, bool]:
    """The staff user, with `password`. Returns whether an existing user's password was reset."""
    user = User.objects.filter(email__iexact=staff.email).first()
    password_reset = False
    if user is None:
        user = User(email=staff.email, full_name=staff.full_name)
        user.set_password(password)
        user.full_clean()
        user.save()
    elif not user.check_password(password):
        # DEMO_PASSWORD changed since the last seed: the printed password must be the one that works.
        user.set_password(password)
        user.save(update_fields=["password"])
        password_reset = True
    # allauth signs in by verified address; staff addresses are verified by construction here.
    EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    return user, password_reset


def _ensure_staff(organization: Organization, spec: StaffSpec, user: User, report: OrganizationReport) -> Membership:
    membership, created = Membership.objects.get_or_create(
        organization=organization, user=user, defaults={"role": spec.role}
    )
    if created:
        report.add("staff membership")
    if spec.role == Role.CLINICIAN or spec.can_facilitate:
        _, created = StaffProfile.objects.get_or_create(
            organization=organization,
            membership=membership,
            defaults={"can_facilitate": spec.can_facilitate, "credentials": spec.credentials},
        )
        if created:
            report.add("staff profile")
    return membership


def _ensure_program(organization: Organization, spec: ProgramSpec, report: OrganizationReport) -> Program:
    program, created = Program.objects.get_or_create(
        organization=organization,
        name=spec.name,
        defaults={
            "level_of_care": LevelOfCare.IOP,
            "default_min_weekly_hours": spec.weekly_hours,
            "default_min_days_per_week": spec.days_per_week,
        },
    )
    if created:
        report.add("program")
    return program


def _find_client(spec: ClientSpec) -> Client | None:
    return Client.objects.filter(
        first_name=spec.first_name, last_name=spec.last_name, date_of_birth=spec.date_of_birth
    ).first()


def _ensure_client(
    organization: Organization,
    spec: ClientSpec,
    program: Program,
    program_spec: ProgramSpec,
    actor: User | None,
    today: dt.date,
    report: OrganizationReport,
    earliest_admission: dt.date,
) -> Client:
    client = _find_client(spec)
    if client is not None:
        return client
    referral_date = today - dt.timedelta(days=spec.days_since_referral)
    if spec.status == EpisodeStatus.ACTIVE:
        # The demo has no sessions before its schedule starts: an active client admitted earlier
        # would have weeks of care with nothing booked, rightly judged "below minimum". Admit them
        # in the week before it at the earliest (spread over its weekdays), so that week is their
        # admission week (not judged) and every week after it has their groups.
        earliest = earliest_admission + dt.timedelta(days=spec.days_since_referral % 5)
        referral_date = max(referral_date, earliest - dt.timedelta(days=_ADMITTED_AFTER_REFERRAL))
    episode = client_intake(
        organization=organization,
        actor=actor,
        client_fields={
            "first_name": spec.first_name,
            "last_name": spec.last_name,
            "date_of_birth": spec.date_of_birth,
            "email": spec.email,
            "phone": spec.phone,
            "reminder_channel": spec.reminder_channel,
            "reminder_consent": spec.reminder_channel != "none",
            "emergency_contact_name": spec.emergency_contact_name,
            "emergency_contact_phone": spec.emergency_contact_phone,
            "emergency_contact_relationship": spec.emergency_contact_relationship,
        },
        program=program,
        referral_date=referral_date,
        required_hours_per_week=None,  # the program's defaults
        required_days_per_week=None,
        tracks=program_spec.tracks,
        goals=program_spec.goals,
        availability=WEEKDAY_MORNINGS,
    )
    for to_status, days_after_referral in _PATH[spec.status]:
        effective = min(referral_date + dt.timedelta(days=days_after_referral), today)
        episode = episode_transition(episode=episode, to_status=to_status, effective_date=effective, actor=actor)
    report.add("client")
    return episode.client


def _ensure_couples(
    organization: Organization, clients: dict[ClientSpec, Client], report: OrganizationReport, today: dt.date
) -> None:
    partners: dict[int, list[Client]] = {}
    for spec, client in clients.items():
        if spec.couple is not None:
            partners.setdefault(spec.couple, []).append(client)
    for one, two in partners.values():
        a, b = sorted((one, two), key=lambda c: c.pk)
        if Couple.objects.filter(partner_a=a, partner_b=b, ended_on__isnull=True).exists():
            continue
        admitted = [e.admission_date for c in (one, two) for e in c.episodes.all() if e.admission_date]
        couple_create(
            organization=organization,
            partner_one=one,
            partner_two=two,
            identified_patient=one,
            started_on=max(admitted, default=today),
        )
        report.add("couple")


def _ensure_schedule(
    organization: Organization,
    spec: ScheduleSpec,
    programs: dict[str, Program],
    clients: dict[ClientSpec, Client],
    users: dict[str, User],
    today: dt.date,
    report: OrganizationReport,
) -> list[list[DemoClient]]:
    """Group types, groups and their weekly times, sessions, placements and the absence, each
    skipped when it exists (found by name, by episode and group, by facilitator). Returns the
    clients of each placement spec, placed now or by an earlier run."""
    facilitators = {
        p.membership.user.email: p
        for p in StaffProfile.objects.filter(can_facilitate=True).select_related("membership__user")
    }
    group_types = {t.name: t for t in GroupType.objects.all()}
    for type_spec in spec.group_types:
        if type_spec.name not in group_types:
            group_types[type_spec.name] = scheduling.group_type_create(
                organization=organization,
                name=type_spec.name,
                track=type_spec.track,
                counts_toward_hours=type_spec.counts_toward_hours,
                qualified=[facilitators[email] for email in type_spec.qualified],
            )
            report.add("group type")

    # The schedule starts with the weeks of attendance history before this one (or this week), or
    # where an earlier run started it: a group added since then meets from the same week, so its
    # past sessions line up with everyone else's.
    week_start = week_start_for(organization, today)
    history_weeks = spec.attendance.weeks if spec.attendance else 0
    schedule_start = WeeklySlot.objects.aggregate(first=Min("effective_from"))["first"] or (
        week_start - dt.timedelta(weeks=history_weeks)
    )
    sessions_before = Session.objects.count()
    groups = {g.name: g for g in Group.objects.all()}
    for group_spec in spec.groups:
        if group_spec.name in groups:
            continue
        group = scheduling.group_create(
            organization=organization,
            program=programs[group_spec.program],
            name=group_spec.name,
            group_type=group_types[group_spec.group_type],
            capacity=group_spec.capacity,
            lead_facilitator=facilitators[group_spec.lead],
            co_facilitator=facilitators[group_spec.co] if group_spec.co else None,
            telehealth_url=f"https://video.example.com/{organization.slug}/{slugify(group_spec.name)}",
        )
        for weekday, start, minutes in group_spec.slots:
            scheduling.slot_create(
                group=group,
                weekday=weekday,
                start_time=dt.time.fromisoformat(start),
                duration_minutes=minutes,
                effective_from=schedule_start,
                today=schedule_start,
            )
        groups[group.name] = group
        report.add("group")
    # Sessions from the schedule's start to the horizon after this week, as the nightly job would
    # have created them week by week (a re-run creates only what a later horizon adds).
    scheduling.sessions_materialise(organization=organization, today=week_start)
    if created := Session.objects.count() - sessions_before:
        report.add("session", created)

    actor = users[spec.placed_by]
    active = {e.client_id: e for e in Episode.objects.filter(status=EpisodeStatus.ACTIVE)}
    unplaced = {  # each program's active episodes, in the order of the client specs
        key: [(s, active[c.pk]) for s, c in clients.items() if s.program == key and c.pk in active] for key in programs
    }
    placed: list[list[DemoClient]] = []
    new_placements: list[Placement] = []
    for placement_spec in spec.placements:
        members = unplaced[placement_spec.program][: placement_spec.count]
        del unplaced[placement_spec.program][: placement_spec.count]
        placed.append([DemoClient(key=s.email, episode=e) for s, e in members])
        for _, episode in members:
            # Placed since the schedule started, or since admission for a newer client.
            start_date = max(schedule_start, episode.admission_date or today)
            for name in placement_spec.groups:
                if placement := _ensure_placement(episode, groups[name], start_date, actor):
                    new_placements.append(placement)
                    report.add("placement")
    if seats := _seats_backfill(new_placements, actor):
        report.add("past seat", seats)

    if spec.absence is not None:
        staff_profile = facilitators[spec.absence.facilitator]
        if not FacilitatorAbsence.objects.filter(staff_profile=staff_profile).exists():
            next_week = week_start + dt.timedelta(days=7)
            scheduling.facilitator_absence_record(
                staff_profile=staff_profile,
                start_date=_weekday_in(next_week, spec.absence.first_weekday),
                end_date=_weekday_in(next_week, spec.absence.last_weekday),
                reason=spec.absence.reason,
                actor=actor,
            )
            report.add("facilitator absence")
    return placed


def _weekday_in(week_start: dt.date, weekday: int) -> dt.date:
    return week_start + dt.timedelta(days=(weekday - week_start.weekday()) % 7)


def _ensure_placement(episode: Episode, group: Group, start_date: dt.date, actor: User) -> Placement | None:
    """Place the episode into the group from `start_date` (seats in its future sessions), unless
    it already is."""
    if Placement.objects.filter(episode=episode, group=group).exists():
        return None
    return scheduling.placement_create(
        episode=episode, group=group, start_date=start_date, actor=actor, waitlist_if_full=True
    ).placement


def _seats_backfill(placements: list[Placement], actor: User) -> int:
    """Seat the newly placed clients in their groups' sessions already held (or begun) since the
    placement started, in placement order: a placement seats clients in future sessions only, but
    the demo's clients were there in the past weeks too, so their hours (and attendance) read as in
    real use. A session full that day is skipped, as `roster_book` would refuse it. One insert for
    all of them: through `roster_book` this is a thousand locked bookings, most of the seed's time."""
    if not placements:
        return 0
    now = timezone.now()
    sessions = list(
        Session.objects.filter(
            group__in={p.group_id for p in placements},
            status=SessionStatus.SCHEDULED,
            local_date__gte=min(p.start_date for p in placements),
            starts_at__lte=now,
        ).order_by("starts_at")
    )
    live = RosterEntry.objects.filter(session__in=sessions, status__in=[RosterStatus.BOOKED, RosterStatus.WAITLISTED])
    seated = set(live.values_list("session_id", "episode_id"))
    booked: dict = {}
    for session_id in live.filter(status=RosterStatus.BOOKED).values_list("session_id", flat=True):
        booked[session_id] = booked.get(session_id, 0) + 1
    entries = []
    for placement in placements:
        for session in sessions:
            if session.group_id != placement.group_id or session.local_date < placement.start_date:
                continue
            if (session.pk, placement.episode_id) in seated or booked.get(session.pk, 0) >= session.capacity:
                continue
            entries.append(
                RosterEntry(
                    organization_id=session.organization_id,
                    session=session,
                    episode_id=placement.episode_id,
                    placement=placement,
                    status=RosterStatus.BOOKED,
                    during=DateTimeTZRange(session.starts_at, session.ends_at, "[)"),
                    added_by=actor,
                )
            )
            seated.add((session.pk, placement.episode_id))
            booked[session.pk] = booked.get(session.pk, 0) + 1
    RosterEntry.objects.bulk_create(entries)
    return len(entries)


def seed_demo(*, password: str | None = None) -> SeedReport:
    """Create the demo organizations, staff and clients that are missing; change nothing else."""
    password = password or demo_password()
    reports: list[OrganizationReport] = []
    logins: list[tuple[str, str, str]] = []
    passwords_reset = 0
    for spec in demo_organizations():
        report = OrganizationReport(slug=spec.slug, name=spec.name, timezone=spec.timezone)
        with transaction.atomic():
            organization = _ensure_organization(spec, report)
            users = {}
            for staff in spec.staff:
                users[staff.email], reset = _ensure_user(staff, password)
                passwords_reset += reset
                logins.append((staff.email, Role(staff.role).label, spec.name))
            with tenant_context(organization.id):
                for staff in spec.staff:
                    _ensure_staff(organization, staff, users[staff.email], report)
                programs = {p.key: (_ensure_program(organization, p, report), p) for p in spec.programs}
                today = timezone.localdate(timezone=organization.tzinfo)
                actor = users.get(spec.intake_by) if spec.intake_by else None
                schedule = spec.schedule
                history_weeks = schedule.attendance.weeks if schedule and schedule.attendance else 0
                earliest_admission = week_start_for(organization, today) - dt.timedelta(weeks=history_weeks + 1)
                clients = {
                    c: _ensure_client(organization, c, *programs[c.program], actor, today, report, earliest_admission)
                    for c in spec.clients
                }
                _ensure_couples(organization, clients, report, today)
                seed_coverage(
                    organization=organization,
                    clients=list(clients.values()),
                    verified_by=actor,
                    today=today,
                    report=report,
                )
                if spec.schedule is not None:
                    placed = _ensure_schedule(
                        organization,
                        spec.schedule,
                        {k: p for k, (p, _) in programs.items()},
                        clients,
                        users,
                        today,
                        report,
                    )
                    if spec.schedule.attendance is not None:
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
                            spec=spec.schedule.attendance,
                            placed=placed,
                            staff=users[spec.schedule.placed_by],
                            now=timezone.now(),
                            report=report,
                        )
                        seed_authorization_cases(
                            organization=organization, actor=actor, now=timezone.now(), report=report
                        )
        reports.append(report)
    return SeedReport(organizations=reports, logins=logins, passwords_reset=passwords_reset, password=password)
