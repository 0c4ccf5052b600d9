"""GET /api/v1/jobs a page at a time: newest first, a cursor to the next page, bounded pages."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.gateway.helpers import API, GatewayStarter, submit


def pages(client: TestClient, limit: int, headers: dict[str, str] | None = None) -> list[Any]:
    """Every page of the listing, following next_cursor to the end."""
    found = []
    query: dict[str, Any] = {"limit": limit}
    while True:
        page = client.get(f"{API}/jobs", params=query, headers=headers).json()
        found.append(page)
        if "next_cursor" not in page:
            return found
        query["cursor"] = page["next_cursor"]


def test_pages_run_newest_first_and_the_last_has_no_cursor(client: TestClient) -> None:
    # Given five jobs
    job_ids = [submit(client, f"Story {n}.") for n in range(5)]

    # When the client reads the list two at a time
    found = pages(client, limit=2)

    # Then three pages hold every job once, newest first, each but the last with a cursor
    assert [list(page["jobs"]) for page in found] == [
        job_ids[4:2:-1],
        job_ids[2:0:-1],
        job_ids[:1],
    ]
    assert [set(page) for page in found] == [{"jobs", "next_cursor"}] * 2 + [{"jobs"}]


def test_a_page_that_ends_exactly_at_the_last_job_has_no_cursor(client: TestClient) -> None:
    job_ids = [submit(client) for _ in range(2)]

    assert client.get(f"{API}/jobs", params={"limit": 2}).json() == {
        "jobs": {job_id: client.get(f"{API}/status/{job_id}").json() for job_id in job_ids[::-1]}
    }


def test_without_a_limit_a_page_holds_the_configured_number(
    gateway_with: GatewayStarter,
) -> None:
    # Given a gateway whose pages hold two jobs, with three jobs
    with gateway_with(jobs_page_size=2) as client:
        job_ids = [submit(client) for _ in range(3)]

        # When the client lists jobs without saying how many
        page = client.get(f"{API}/jobs").json()

        # Then it gets the two newest and a cursor to the rest
        assert list(page["jobs"]) == job_ids[:0:-1]
        rest = client.get(f"{API}/jobs", params={"cursor": page["next_cursor"]}).json()
        assert rest == {"jobs": {job_ids[0]: rest["jobs"][job_ids[0]]}}


@pytest.mark.parametrize(
    ("query", "status", "error"),
    [
        ({"limit": "4"}, 400, "Invalid limit: at most 3 jobs a page"),
        (
            {"limit": "0"},
            422,
            "Invalid request: query.limit: Input should be greater than or equal to 1",
        ),
        ({"limit": "many"}, 422, None),
        ({"cursor": "no-such-job"}, 400, "Invalid cursor: use the next_cursor of a previous page"),
        ({"cursor": "x" * 65}, 422, None),
    ],
    ids=["over-the-maximum", "zero", "not-a-number", "unknown-cursor", "overlong-cursor"],
)
def test_a_bad_limit_or_cursor_is_refused(
    gateway_with: GatewayStarter, query: dict[str, str], status: int, error: str | None
) -> None:
    # Given a gateway whose pages hold at most three jobs
    with gateway_with(jobs_page_max=3) as client:
        submit(client)

        # When a client asks for a page it cannot have
        response = client.get(f"{API}/jobs", params=query)

        # Then it is told what is wrong, as every error is
        assert response.status_code == status
        assert list(response.json()) == ["error"]
        if error is not None:
            assert response.json()["error"] == error


def test_a_key_pages_through_its_own_jobs_only(gateway_with: GatewayStarter) -> None:
    # Given two keys whose jobs interleave
    alice, bob = {"X-API-Key": "alice-secret-key"}, {"X-API-Key": "bob-secret-key"}
    with gateway_with(api_keys="alice-secret-key,bob-secret-key") as client:
        alices, bobs = [], []
        for n in range(3):
            for key, owned in ((alice, alices), (bob, bobs)):
                created = client.post(f"{API}/generate", json={"text": f"Story {n}."}, headers=key)
                owned.append(created.json()["job_id"])

        # When each pages through the list, one job a page
        alice_pages = pages(client, limit=1, headers=alice)

        # Then it meets its own jobs only, newest first
        assert [job for page in alice_pages for job in page["jobs"]] == alices[::-1]

        # And another key's cursor leads nowhere for it
        bobs_cursor = client.get(f"{API}/jobs", params={"limit": 1}, headers=bob).json()
        refused = client.get(
            f"{API}/jobs", params={"cursor": bobs_cursor["next_cursor"]}, headers=alice
        )
        assert refused.status_code == 400
