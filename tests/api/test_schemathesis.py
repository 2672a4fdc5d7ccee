"""The API keeps its schema: schemathesis against a live server on the seeded demo.

Every check (status codes, content types, response schemas, invalid input rejected, valid input
accepted, unsupported methods, authentication, object-level authorization with two tenants' tokens…)
over every phase (examples, coverage, fuzzing, stateful), with a fixed seed and a bounded number of
examples, as harbor's organization admin; summit's admin is the peer that must not see harbor's
objects. Before that, every detail route is probed across tenants: an object of one organization is a 404
for the other's token at its own organization's URL.

The run is the `st` command line (what a developer runs by hand, README "API"), as a subprocess
against pytest-django's live server: the demo is committed (the server thread reads it through its
own connection) and flushed afterwards.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient
from rest_framework.throttling import UserRateThrottle

from iop.accounts.models import User
from iop.accounts.services import api_token_create
from iop.tenancy.context import tenant_context
from iop.tenancy.models import Organization
from tests.conftest import make_member
from tests.factories import enable_totp

pytestmark = [pytest.mark.slow, pytest.mark.fuzz, pytest.mark.django_db(transaction=True)]

SEED = 1
MAX_EXAMPLES = 2
PHASES = "examples,coverage,fuzzing,stateful"
ADMINS = {"harbor": "admin@harbor.test", "summit": "admin@summit.test"}
# A schema-valid body may still be refused by a business rule: an id that is not of this
# organization (the fuzzer cannot know which ids exist), a date in the past, a state that does not
# allow the step. Those are 400s with their code; every other check keeps its defaults.
CONFIG = """
[parameters]
org_slug = "harbor"

[auth.wfc]
path = "auth.json"
user = "harbor"
peers = ["harbor", "summit"]

[checks.positive_data_acceptance]
expected-statuses = ["2xx", "400", "401", "403", "404", "409", "429"]
"""


@pytest.fixture
def demo_tokens(live_server, monkeypatch) -> dict[str, str]:
    """The seeded demo (committed), an organization admin in each tenant, and their API tokens."""
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    call_command("seed_demo", stdout=io.StringIO())
    # Thousands of requests in a few minutes: the throttle (tested on its own) would answer 429s.
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": None})
    summit = Organization.objects.get(slug="summit")
    make_member(summit, "org_admin", ADMINS["summit"])
    tokens = {}
    for slug, email in ADMINS.items():
        organization = Organization.objects.get(slug=slug)
        with tenant_context(organization.id):
            user = User.objects.get(email=email)
            enable_totp(user)  # the test settings require MFA, and a token only for whom has it
            tokens[slug] = api_token_create(organization=organization, user=user, name="schemathesis").raw
    return tokens


def _bearer(raw: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return api


def _failures(report_dir: Path) -> tuple[int, list[str]]:
    """(cases run, one line per failed check) from schemathesis's NDJSON event stream."""
    cases, failures = 0, []
    (report,) = report_dir.glob("*.ndjson")
    for line in report.read_text().splitlines():
        finished = json.loads(line).get("ScenarioFinished")
        if finished is None:
            continue
        recorder = finished["recorder"]
        cases += len(recorder.get("cases", {}))
        if finished["status"] == "error":
            failures.append(f"[{finished['phase']}] {recorder['label']}: error")
        for checks in recorder.get("checks", {}).values():
            for check in checks:
                if check["status"] == "failure":
                    failure = check["failure_info"]["failure"]
                    message = failure.get("message", "").replace("\n", " | ")[:300]
                    failures.append(f"[{finished['phase']}] {recorder['label']}: {failure['title']}: {message}")
    return cases, failures


def _probe_across_tenants(schema: dict, tokens: dict[str, str]) -> set[str]:
    """Every detail route of the schema: the first object of the owner's list, asked for by the
    other organization's admin at their own organization's URL, is not found; at the owner's URL
    their token is refused outright. Returns the routes probed."""
    prefix = "/api/v1/o/{org_slug}/"
    details = [
        path
        for path, operations in schema["paths"].items()
        if "get" in operations and path.endswith("/{id}/") and path.count("{") == 2
    ]
    probed = set()
    for owner, peer in (("harbor", "summit"), ("summit", "harbor")):
        as_owner, as_peer = _bearer(tokens[owner]), _bearer(tokens[peer])
        for detail in details:
            collection = detail.removesuffix("{id}/").replace("{org_slug}", owner)
            listed = as_owner.get(collection)
            body = listed.json() if listed.status_code == 200 else {}
            rows = body.get("results", []) if isinstance(body, dict) else body
            if not rows or "id" not in rows[0]:
                continue
            own = detail.replace("{org_slug}", owner).replace("{id}", rows[0]["id"])
            if as_owner.get(own).status_code != 200:
                continue
            at_peers = detail.replace("{org_slug}", peer).replace("{id}", rows[0]["id"])
            answer = as_peer.get(at_peers)
            assert answer.status_code == 404, f"{peer} read {owner}'s {own}: {answer.status_code}"
            assert answer.json()["code"] == "not_found"
            assert as_peer.get(own).status_code == 401, own
            probed.add(detail.removeprefix(prefix))
    return probed


def test_the_api_keeps_its_schema_on_the_demo(live_server, demo_tokens, tmp_path, capsys):
    schema = _bearer(demo_tokens["harbor"]).get("/api/v1/schema/?format=json")
    assert schema.status_code == 200
    # One seeded demo for both (seeding takes a while): first the tenants' walls, then schemathesis.
    probed = _probe_across_tenants(schema.json(), demo_tokens)
    # Nearly every resource has rows in the demo: the probe covered them, not a handful.
    assert len(probed) >= 25, sorted(probed)
    (tmp_path / "schema.json").write_bytes(schema.content)
    (tmp_path / "schemathesis.toml").write_text(CONFIG)
    auth = [
        {"name": slug, "fixedHeaders": [{"name": "Authorization", "value": f"Bearer {raw}"}]}
        for slug, raw in demo_tokens.items()
    ]
    (tmp_path / "auth.json").write_text(json.dumps({"auth": auth}))

    st = Path(sys.executable).parent / "st"
    run = subprocess.run(
        [
            str(st),
            "run",
            "schema.json",
            f"--url={live_server.url}",
            "--checks=all",
            f"--phases={PHASES}",
            f"--seed={SEED}",
            f"--max-examples={MAX_EXAMPLES}",
            "--generation-database=none",
            "--request-timeout=30",
            "--report=ndjson",
            "--report-dir=report",
            "--no-color",
            "--workers=2",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
        stdin=subprocess.DEVNULL,
    )
    cases, failures = _failures(tmp_path / "report")
    with capsys.disabled():
        print(
            f"\nschemathesis (seed {SEED}, {MAX_EXAMPLES} examples, {PHASES}): {cases} cases, {len(failures)} failures"
        )
    assert not failures, "\n".join(failures[:40])
    assert run.returncode == 0, run.stdout[-4000:]
    assert cases > 1000  # every operation ran, in every phase
