"""The demo's people: organizations' staff logins, programs and clients, written through the
client services inside `tenant_context(organization.id)`, connected as the app role under Row-Level
Security when run by `make run`.

Names, dates of birth and contact details are generated from a fixed seed, so every run produces the
same people; a row that already exists (found by its natural key) is left alone, so a second run
changes nothing. Episode dates are relative to the day the demo was first seeded.

All people are fictional: reserved `example.com` addresses and 555-01xx telephone numbers.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import zlib
from dataclasses import dataclass, field, replace
from decimal import Decimal

from allauth.account.models import EmailAddress

from iop.accounts.models import User
from iop.clients.models import Client, Couple, EpisodeStatus
from iop.clients.services import Availability, client_intake, couple_create, episode_transition
from iop.tenancy.models import LevelOfCare, Membership, Organization, Program, Role, StaffProfile, Weekday

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


@dataclass
class OrganizationReport:
    slug: str
    name: str
    timezone: str
    created: dict[str, int] = field(default_factory=dict)

    def add(self, what: str, count: int = 1) -> None:
        self.created[what] = self.created.get(what, 0) + count


def client_specs(
    rng: random.Random, used: set[tuple[str, str]], plan: list[tuple[str, str, int | None]]
) -> tuple[ClientSpec, ...]:
    """One ClientSpec per (program key, status, couple number) in `plan`, with unique names."""
    specs: list[ClientSpec] = []
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
                    # `ensure_client` moves to the week before the schedule's first: the four weeks
                    # of attendance history are full weeks of their care. The draw stays as it was,
                    # so every later name and date (and an existing demo database's clients) stay the same.
                    EpisodeStatus.ACTIVE: 40 + (rng.randrange(12, 60) - 12) // 2,
                    EpisodeStatus.STEP_DOWN: rng.randrange(60, 90),
                    EpisodeStatus.DISCHARGED: rng.randrange(75, 120),
                }[EpisodeStatus(status)],
                couple=couple,
            )
        )
    return tuple(specs)


def client_plan(program: str, counts: dict[str, int]) -> list[tuple[str, str, int | None]]:
    return [(program, status, None) for status, n in counts.items() for _ in range(n)]


def recently_admitted(
    specs: tuple[ClientSpec, ...], program: str, days_since_referral: dict[int, int]
) -> tuple[ClientSpec, ...]:
    """Newer admissions: the `program`'s active clients at these positions (in the order of the
    specs, which is the order they are placed in) were referred this many days ago."""
    active = [i for i, s in enumerate(specs) if s.program == program and s.status == EpisodeStatus.ACTIVE]
    changed = list(specs)
    for position, days in days_since_referral.items():
        changed[active[position]] = replace(changed[active[position]], days_since_referral=days)
    return tuple(changed)


RAMAN, BELL, PARK, OSEI = "clinician@harbor.test", "bell@harbor.test", "park@harbor.test", "osei@harbor.test"
COUNSELOR = "counselor@summit.test"


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD


# --- Writing it ------------------------------------------------------------------------------

# The steps an episode takes from referral to its demo status, with days after referral.
_ADMITTED_AFTER_REFERRAL = 4  # days: the ACTIVE step of `_PATH`

# Keyed by plain str: a ClientSpec's status is one.
_PATH: dict[str, tuple[tuple[EpisodeStatus, int], ...]] = {
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


def ensure_user(staff: StaffSpec, password: str) -> tuple[User, bool]:
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


def ensure_staff(organization: Organization, spec: StaffSpec, user: User, report: OrganizationReport) -> Membership:
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


def ensure_program(organization: Organization, spec: ProgramSpec, report: OrganizationReport) -> Program:
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


def _caseload_clinician(organization: Organization, spec: ClientSpec) -> Membership | None:
    """The clinician whose caseload a demo client joins: spread over the clinicians, the same one
    for the same client on every seed (by name, not by order of creation)."""
    clinicians = list(
        Membership.objects.filter(organization=organization, role=Role.CLINICIAN, is_active=True).order_by(
            "user__email"
        )
    )
    if not clinicians:
        return None
    return clinicians[zlib.crc32(f"{spec.first_name} {spec.last_name}".encode()) % len(clinicians)]


def ensure_client(
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
        primary_clinician=_caseload_clinician(organization, spec),
    )
    for to_status, days_after_referral in _PATH[spec.status]:
        effective = min(referral_date + dt.timedelta(days=days_after_referral), today)
        episode = episode_transition(episode=episode, to_status=to_status, effective_date=effective, actor=actor)
    report.add("client")
    return episode.client


def ensure_couples(
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
