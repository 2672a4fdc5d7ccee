"""The clients app's connections to the layers below it, made once from `ClientsConfig.ready()`:
its Today panel (iop/clients/today.py)."""

from __future__ import annotations


def connect() -> None:
    from iop.clients.today import register_panels

    register_panels()
