"""The accounts app's connections to the layers below it, made once from `AccountsConfig.ready()`:
its Today panel (iop/accounts/today.py)."""

from __future__ import annotations


def connect() -> None:
    from iop.accounts.today import register_panels

    register_panels()
