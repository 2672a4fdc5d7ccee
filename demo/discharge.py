"""Demo discharges (called from `seed_demo` for Harbor; Summit gets its plans only):

- every admitted episode has its transition plan (the nightly sync's work);
- **a discharge this week with open items**: a step-down to weekly therapy on Friday, the
  termination session booked and crisis resources given, but no aftercare booked and no records
  sent yet;
- **one blocked by a missing consent**: a transfer on the coming Wednesday, aftercare booked, but the client's
  only consent names their primary care doctor, not the receiving provider, so the records packet
  cannot go;
- **one completed with aftercare kept at 7 days**: a client the demo discharged weeks ago, whose
  plan is recorded as it went (completed by the org admin with the reason the checklist was kept on
  paper then), the aftercare visit kept four days after the last day and the 7-day follow-up
  answered, the summary signed;
- **one step-down from a payer's recommendation**: recorded at an open review (days approved to
  step down in), which started the plan with the payer's determination as its source;
- **an episode with a billing discrepancy** when the billing area offers its demo seed.

Written through the services (the aftercare and consent areas' own seeds for their rows); each
story's plan is found again by its reason, so a second run changes nothing.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from authorizations.models import OPEN_REVIEW_STATUSES, ConcurrentReview
from discharge.models import PlanOrigin, PlanStatus, TransitionPlan
from discharge.plans import selectors, services
from iop.accounts.models import User
from iop.clients.models import Episode, EpisodeStatus
from iop.common.exceptions import ApplicationError
from iop.tenancy.models import Membership, Organization

THIS_WEEK = "Goals met: steps down to weekly outpatient therapy."
BLOCKED = "Moving closer to family: transfers to a community mental health center nearer home."
COMPLETED = "Completed treatment: goals met, relapse-prevention plan in place."
OVERRIDE = "Discharged before the checklist was kept in IOP Ops: items were done on paper and recorded afterwards."
SUMMARY = (
    "Admitted for depression with anxious distress after a medical leave. Attended 22 of 24 program days; "
    "PHQ-9 from 19 to 8. Goals met: returned to work part-time, sleep restored, uses the coping plan. "
    "Aftercare: weekly outpatient therapy at Lakeside; medications continued by the primary care doctor. "
    "Crisis plan reviewed; 988 and the clinic's after-hours line given."
)


def _user(email: str) -> User | None:
    return User.objects.filter(email=email).first()


def _story(organization: Organization, reason: str) -> TransitionPlan | None:
    return TransitionPlan.objects.filter(organization=organization, reason=reason).first()


def _candidates(organization: Organization, *, admitted_before: dt.date) -> list[Episode]:
    """Active adult-program episodes without a story yet (nor a review of the reviews demo), by name."""
    from demo.reviews import _story_authorizations

    taken = {a.episode_id for a in _story_authorizations(organization, organization.local_today())}
    return [
        e
        for e in Episode.objects.filter(
            organization=organization,
            status=EpisodeStatus.ACTIVE,
            program__name__startswith="Adult",
            admission_date__lt=admitted_before,
            transition_plan__transition_type="",
        )
        .select_related("client", "program")
        .order_by("client__last_name", "client__first_name", "pk")
        if e.pk not in taken
    ]


def _tick(plan: TransitionPlan, keys, actor: User | None, note: str = "") -> None:
    for item in plan.items.filter(key__in=keys, done_at__isnull=True):
        services.checklist_item_tick(item=item, actor=actor, note=note)  # type: ignore[arg-type]


def _termination(plan: TransitionPlan, actor: User | None, today: dt.date) -> None:
    if selectors._has_termination(plan):
        return
    choices = selectors.termination_session_choices(plan=plan, today=today)
    seated = [s for s in choices if getattr(s, "client_seated", False)] or choices
    if seated:
        try:
            services.termination_session_book(plan=plan, session=seated[0], actor=actor)
        except ApplicationError:
            pass  # a full session: the story keeps the item open


def _plan(episode: Episode, *, reason: str, data: dict, actor: User | None) -> TransitionPlan:
    plan = services.plan_start(episode=episode, origin=PlanOrigin.STAFF, actor=actor)
    return services.plan_update(plan=plan, data={"reason": reason, **data}, actor=actor, origin=PlanOrigin.CLINICIAN)


def seed_discharge(*, organization: Organization, now: dt.datetime | None = None, report) -> None:
    now = now or timezone.now()
    created = services.plans_sync(organization=organization)
    for _ in created:
        report.add("transition plan")
    if organization.slug != "harbor":
        return
    from demo.discharge_consent import consent_seed
    from discharge.aftercare.services import aftercare_seed

    va, admin, clinician = _user("va@harbor.test"), _user("admin@harbor.test"), _user("clinician@harbor.test")
    today = organization.local_today(now)
    providers = aftercare_seed(organization=organization, actor=va, now=now)
    lakeside, community = providers[0], providers[1]

    # A discharge this week with open items.
    this_week = _story(organization, THIS_WEEK)
    if this_week is None:
        candidates = _candidates(organization, admitted_before=today - dt.timedelta(days=14))
        if candidates:
            friday = today + dt.timedelta(days=(4 - today.weekday()) % 7)
            this_week = _plan(
                candidates[0],
                reason=THIS_WEEK,
                data={
                    "transition_type": "step_down",
                    "target_date": friday,
                    "receiving_provider": lakeside,
                    "receiving_level_of_care": "op",
                },
                actor=clinician,
            )
            _termination(this_week, va, today)
            _tick(this_week, ["crisis_resources"], va, "Crisis card and safety plan copy given")
            report.add("discharge this week")

    # One blocked by a missing consent.
    blocked = _story(organization, BLOCKED)
    if blocked is None:
        candidates = _candidates(organization, admitted_before=today - dt.timedelta(days=14))
        if candidates:
            # The coming Wednesday (a week ahead when today is one): within the worklist's two weeks.
            wednesday = today + dt.timedelta(days=(2 - today.weekday()) % 7 or 7)
            blocked = _plan(
                candidates[0],
                reason=BLOCKED,
                data={
                    "transition_type": "transfer",
                    "target_date": wednesday,
                    "receiving_provider": community,
                    "receiving_level_of_care": community.levels_of_care[0] if community.levels_of_care else "",
                },
                actor=clinician,
            )
            aftercare_seed(organization=organization, plans=[blocked], actor=va, now=now)
            _tick(blocked, ["medication_continuity", "crisis_resources"], va, "Reviewed with the client")
            report.add("discharge blocked by consent")
    if blocked is not None:
        consent_seed(organization=organization, plans=[blocked], blocked=[blocked], actor=va, now=now)  # type: ignore[arg-type]

    # One completed with aftercare kept at 7 days: an episode the demo discharged weeks ago (its
    # rosters and attendance stay as they were), whose plan is recorded now, as it was then.
    completed = _story(organization, COMPLETED)
    # (Its plan was started at its admission and got its last day at its discharge.)
    discharged = (
        Episode.objects.filter(organization=organization, status=EpisodeStatus.DISCHARGED, discharge_date__isnull=False)
        .filter(Q(transition_plan__isnull=True) | Q(transition_plan__transition_type=""))
        .order_by("-discharge_date", "pk")
        .first()
    )
    if completed is None and discharged is not None and admin is not None:
        last_day = discharged.discharge_date
        plan = TransitionPlan.objects.filter(episode=discharged).first()
        if plan is None:
            plan = TransitionPlan.objects.create(
                organization=organization, episode=discharged, origin=PlanOrigin.CLINICIAN, created_by=clinician
            )
            services.checklist_build(plan=plan)
        completed = services.plan_update(
            plan=plan,
            data={
                "reason": COMPLETED,
                "transition_type": "completed",
                "target_date": last_day,
                "receiving_provider": lakeside,
                "receiving_level_of_care": "op",
            },
            actor=clinician,
            origin=PlanOrigin.CLINICIAN,
        )
        consent_seed(organization=organization, plans=[completed], send_for=[completed], actor=va, now=now)  # type: ignore[arg-type]
        _tick(
            completed,
            ["medication_continuity", "crisis_resources", "final_authorization", "client_notified"],
            va,
            "Done on paper at discharge",
        )
        services.plan_complete(
            plan=completed,
            actor=admin,
            membership=Membership.objects.filter(organization=organization, user=admin).first(),
            last_day=last_day,
            override_reason=OVERRIDE,
            now=now,
        )
        completed.refresh_from_db()
        aftercare_seed(organization=organization, kept_plan=completed, actor=va, now=now)
        if clinician is not None:
            services.summary_sign(
                plan=completed,
                actor=clinician,
                membership=Membership.objects.filter(organization=organization, user=clinician).first(),
                text=SUMMARY,
                now=now,
            )
        report.add("completed discharge")

    # One step-down from a payer's recommendation.
    if not TransitionPlan.objects.filter(organization=organization, origin=PlanOrigin.PAYER).exists():
        if _payer_step_down(organization, actor=va, now=now):
            report.add("payer step-down")

    # An episode with a billing discrepancy (the billing area's seed, when it has one).
    try:
        from demo.discharge_billing import billing_seed
    except ImportError:
        return
    billing_seed(organization=organization, actor=va, now=now, report=report)


def _payer_step_down(organization: Organization, *, actor: User | None, now: dt.datetime) -> bool:
    """Record a step-down outcome at the open review furthest ahead among the episodes without a
    story, approving a week of IOP days to step down in; the plan follows the recommendation."""
    from authorizations.requests.services.determinations import ApprovedLine
    from authorizations.reviews.selectors import outcome_defaults
    from authorizations.reviews.services.outcomes import review_outcome_record

    today = organization.local_today(now)
    episodes = {e.pk for e in _candidates(organization, admitted_before=today)}
    review = (
        ConcurrentReview.objects.filter(
            organization=organization, status__in=OPEN_REVIEW_STATUSES, episode_id__in=episodes
        )
        .select_related("authorization", "episode")
        .order_by("-review_date", "pk")
        .first()
    )
    if review is None:
        return False
    asked = outcome_defaults(review)
    if not asked:
        return False
    first = asked[0]
    try:
        determination = review_outcome_record(
            review=review,
            outcome="step_down",
            recommended_level_of_care="op",
            reason="Meets outpatient criteria (LOCUS level 2): step down after one more week.",
            lines=[
                ApprovedLine(
                    code=first.code,
                    units=min(first.units, 5),
                    start_date=first.start_date,
                    end_date=first.start_date + dt.timedelta(days=6),
                )
            ],
            actor=actor,
            now=now,
        )
    except ApplicationError:
        return False
    # The receiver does this on commit; the seed does it now so the demo shows it at once.
    services.plan_from_recommendation(
        episode=review.episode, determination=determination, level_of_care="op", actor=actor
    )
    plan = TransitionPlan.objects.filter(episode=review.episode).first()
    return plan is not None and plan.status == PlanStatus.PLANNING
