"""Reading the Today page's panels as a member sees them: the board of GET /o/<org>/today/."""

from __future__ import annotations

from django.urls import reverse

from iop.today.hooks import TodayLine
from iop.today.selectors import LoadedTodayPanel, TodayBoard


def today_board(client, org_slug: str = "harbor") -> TodayBoard:
    response = client.get(reverse("today:today", kwargs={"org_slug": org_slug}))
    assert response.status_code == 200
    return response.context["board"]


def panel(board: TodayBoard, key: str) -> LoadedTodayPanel | None:
    """The panel of `key` on the board, or None when the member does not get it."""
    return next((loaded for loaded in board.panels if loaded.key == key), None)


def lines(client, key: str, org_slug: str = "harbor") -> list[TodayLine]:
    """The lines of the member's own panel `key` (fails when the member does not get its lines)."""
    loaded = panel(today_board(client, org_slug), key)
    assert loaded is not None, f"no panel {key!r} on the board"
    assert loaded.lines_shown, f"panel {key!r} is shown as a count only"
    assert loaded.items.count == len(loaded.items.lines), "more lines than the board shows"
    return loaded.items.lines


def keys(client, org_slug: str = "harbor") -> set[str]:
    return {loaded.key for loaded in today_board(client, org_slug).panels}
