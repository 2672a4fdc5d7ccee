"""Discharge's connections to the apps below it (their hooks), made once from
`DischargeConfig.ready()`. Discharge is the top domain app: nothing below imports it.

- iop.clients.hooks.episode_status_changed: an admitted episode gets its transition plan
  (planning starts at admission, CARF 2.D.2).
- authorizations.hooks.step_down_recommended: a payer's step-down (or step-up) recommendation
  starts or updates the episode's plan (origin "payer") and tells the clinician.
- authorizations.hooks.clock_source_register: an unsigned discharge summary is chased by the
  hourly escalation as its state deadline nears and passes.
- iop.notifications.hooks: the heading of the clinician's "check the transition plan" line.
- iop.clients.hooks.client_panel_register: the client page's discharge panel (the episode's
  transition plan: type, date, open items, a link to the discharge page) and consents panel
  (consents with their state, the latest disclosures).
- iop.today.hooks: Today's panels (discharges this week with open items, step-down
  recommendations, summaries to sign) and the census board's discharge target (discharge/today.py).
"""

from __future__ import annotations


def connect() -> None:
    from authorizations.hooks import clock_source_register, step_down_recommended
    from discharge.plans import services as plan_services
    from discharge.plans.selectors import summary_clocks
    from iop.clients.hooks import episode_status_changed

    episode_status_changed.connect(plan_services.episode_status_followed, dispatch_uid="discharge_plan_admission")
    step_down_recommended.connect(plan_services.step_down_followed, dispatch_uid="discharge_plan_step_down")
    clock_source_register(summary_clocks)
    # The inbox's kind for the clinician's "check the transition plan" line (news: read and done with).
    from iop.notifications.hooks import NoticeKind, notice_kind_register

    notice_kind_register(NoticeKind(plan_services.STEP_DOWN_NOTICE, "Transition plans to check"))
    # The client page's discharge panel: the episode's plan at a glance (two queries).
    from discharge.plans.selectors import client_plan_panel
    from iop.clients.hooks import ClientPanel, client_panel_register
    from iop.tenancy import permissions

    client_panel_register(
        ClientPanel(
            key="discharge_plan",
            title="Discharge and step-down",
            template="discharge/plans/client_panel.html",
            context_loader=client_plan_panel,
            order=390,
            permission=permissions.DISCHARGE_VIEW,
        )
    )
    # The client page's consents panel: consents with their state and the latest disclosures.
    from discharge.consent.selectors import client_consent_panel
    from iop.clients.hooks import ClientPanel, client_panel_register
    from iop.tenancy import permissions

    client_panel_register(
        ClientPanel(
            key="discharge_consents",
            title="Consents to disclose",
            template="discharge/consent/client_panel.html",
            context_loader=client_consent_panel,
            order=400,
            permission=permissions.CONSENT_MANAGE,
        )
    )
    # Today's discharge panels and the census board's "Discharge target" column (discharge/today.py).
    from discharge.today import register as register_today

    register_today()
