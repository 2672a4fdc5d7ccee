"""The clients app's connections to the layers below it, made once from `ClientsConfig.ready()`:
its Today panel (iop/clients/today.py) and the census board's rows and
first columns (iop/clients/census.py)."""

from __future__ import annotations


def connect() -> None:
    from iop.clients.census import register_census
    from iop.clients.today import register_panels

    register_panels()
    # The census board's rows (the active episodes) and the columns the episode answers.
    register_census()
