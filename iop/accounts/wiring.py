"""The accounts app's connections to the layers below it, made once from `AccountsConfig.ready()`:
its Today panel (iop/accounts/today.py), and the session clocks restarting at each sign-in."""

from __future__ import annotations


def connect() -> None:
    from django.contrib.auth.signals import user_logged_in

    from iop.accounts.middleware import session_clocks_restart
    from iop.accounts.today import register_panels

    register_panels()
    user_logged_in.connect(session_clocks_restart, dispatch_uid="accounts_session_clocks_restart")
