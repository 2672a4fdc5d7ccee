"""The README's role table says exactly what `iop/tenancy/permissions.py` allows: every action of the
map is a row, every row an action of the map, and each role's tick is the map's answer. A change
to either without the other fails here."""

from __future__ import annotations

import re
from pathlib import Path

from iop.tenancy.models import Role
from iop.tenancy.permissions import ALL_ACTIONS, ROLE_ACTIONS

README = Path(__file__).resolve().parents[2] / "README.md"
CODE = re.compile(r"`([a-z_.]+)`")


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _readme_role_table() -> dict[str, set[str]]:
    """role -> the actions ticked for it, read from the table under "## Roles" whose header is
    `| Action | <Role> (`code`) | …`."""
    section = README.read_text().split("\n## Roles\n", 1)[1].split("\n## ", 1)[0]
    lines = section.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("| Action |"))
    roles = [CODE.search(cell).group(1) for cell in _cells(lines[header])[1:]]
    table: dict[str, set[str]] = {role: set() for role in roles}
    actions: list[str] = []
    for line in lines[header + 2 :]:
        if not line.startswith("|"):
            break
        first, *marks = _cells(line)
        action = CODE.findall(first)[-1]
        actions.append(action)
        assert len(marks) == len(roles), line
        for role, mark in zip(roles, marks, strict=True):
            assert mark in ("✓", ""), f"{action}: {mark!r} is neither ✓ nor empty"
            if mark:
                table[role].add(action)
    assert len(actions) == len(set(actions)), "an action has two rows"
    assert set(actions) == set(ALL_ACTIONS), {
        "in the README only": set(actions) - ALL_ACTIONS,
        "in the map only": ALL_ACTIONS - set(actions),
    }
    return table


def test_the_readme_role_table_is_the_permission_map():
    table = _readme_role_table()
    assert set(table) == set(Role.values) == set(ROLE_ACTIONS)
    differences = {
        role: {"README only": table[role] - ROLE_ACTIONS[role], "map only": ROLE_ACTIONS[role] - table[role]}
        for role in table
        if table[role] != ROLE_ACTIONS[role]
    }
    assert differences == {}
