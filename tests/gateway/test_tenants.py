"""Tenants: a job belongs to the key that created it, admin keys see all, each key has quotas."""

from fastapi.testclient import TestClient

from tests.gateway.helpers import API, NOT_FOUND, GatewayStarter

ALICE, BOB, ADMIN = "alice-secret-key", "bob-secret-key", "admin-secret-key"
STORY = {"text": "Once upon a time..."}


def as_key(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def submit_as(client: TestClient, key: str, text: str = "Once upon a time...") -> str:
    response = client.post(f"{API}/generate", json={"text": text}, headers=as_key(key))
    assert response.status_code == 202, response.text
    return str(response.json()["job_id"])


def listed(client: TestClient, key: str) -> list[str]:
    return list(client.get(f"{API}/jobs", headers=as_key(key)).json()["jobs"])


def answers_for(client: TestClient, key: str, job_id: str) -> dict[str, int]:
    """The status code of every route that names one job, as ``key`` calls them."""
    routes = {
        "status": ("GET", f"{API}/status/{job_id}"),
        "detail": ("GET", f"{API}/jobs/{job_id}"),
        "download": ("GET", f"{API}/download/{job_id}"),
        "cancel": ("DELETE", f"{API}/jobs/{job_id}"),
    }
    return {
        name: client.request(method, url, headers=as_key(key)).status_code
        for name, (method, url) in routes.items()
    }


# Ownership


def test_another_keys_job_does_not_exist_for_a_key(gateway_with: GatewayStarter) -> None:
    # Given two keys, each with a job
    with gateway_with(api_keys=f"{ALICE},{BOB}") as client:
        alices, bobs = submit_as(client, ALICE), submit_as(client, BOB)

        # When Bob names Alice's job on every route that names one
        answers = answers_for(client, BOB, alices)

        # Then each answers as for an unknown job, with the same body
        assert answers == {"status": 404, "detail": 404, "download": 404, "cancel": 404}
        assert client.get(f"{API}/status/{alices}", headers=as_key(BOB)).json() == NOT_FOUND

        # And each key lists only its own job, which Alice's job still is: queued, not cancelled
        assert listed(client, ALICE) == [alices]
        assert listed(client, BOB) == [bobs]
        status = client.get(f"{API}/status/{alices}", headers=as_key(ALICE)).json()
        assert status["status"] == "queued"


def test_an_admin_key_sees_and_acts_on_every_job(gateway_with: GatewayStarter) -> None:
    # Given a gateway with a user key and an admin key, and a job of the user's
    with gateway_with(api_keys=ALICE, admin_api_keys=ADMIN) as client:
        alices = submit_as(client, ALICE)
        admins = submit_as(client, ADMIN)

        # When the admin reads the user's job and lists jobs
        status = client.get(f"{API}/status/{alices}", headers=as_key(ADMIN))
        everything = listed(client, ADMIN)

        # Then it sees the user's job and its own, while the user sees only its own
        assert status.status_code == 200
        assert everything == [admins, alices]
        assert listed(client, ALICE) == [alices]

        # And the admin may cancel the user's job
        assert client.delete(f"{API}/jobs/{alices}", headers=as_key(ADMIN)).status_code == 202


def test_jobs_from_before_keys_were_on_are_seen_by_admin_keys_only(
    gateway_with: GatewayStarter,
) -> None:
    # Given a job created while the API had no keys
    with gateway_with() as client:
        anonymous = client.post(f"{API}/generate", json=STORY).json()["job_id"]

    # When the gateway restarts with keys on
    with gateway_with(api_keys=ALICE, admin_api_keys=ADMIN) as client:
        # Then no user key sees the job, and the admin key does
        assert client.get(f"{API}/status/{anonymous}", headers=as_key(ALICE)).status_code == 404
        assert listed(client, ALICE) == []
        assert listed(client, ADMIN) == [anonymous]


def test_a_job_stays_its_keys_when_the_keys_are_reordered_or_added(
    gateway_with: GatewayStarter,
) -> None:
    # Given a job of Bob's, the second of two keys
    with gateway_with(api_keys=f"{ALICE},{BOB}") as client:
        bobs = submit_as(client, BOB)

    # When the keys are configured in another order, with a new one first
    with gateway_with(api_keys=f"new-secret-key,{BOB},{ALICE}") as client:
        # Then the job is still Bob's, and only Bob's
        assert listed(client, BOB) == [bobs]
        assert listed(client, ALICE) == []
        assert listed(client, "new-secret-key") == []


def test_the_store_never_holds_a_key(gateway_with: GatewayStarter) -> None:
    # Given a job created with a key
    with gateway_with(api_keys=ALICE) as client:
        job_id = submit_as(client, ALICE)
        settings = client.app.state.settings  # type: ignore[attr-defined]

    # When the store file is read as bytes
    stored = b"".join(path.read_bytes() for path in settings.data_dir.glob("jobs.sqlite3*"))

    # Then the job is there but the key is not
    assert job_id.encode() in stored
    assert ALICE.encode() not in stored


# Quotas


def test_a_key_over_its_running_jobs_is_refused_until_one_ends(
    gateway_with: GatewayStarter,
) -> None:
    # Given keys allowed two running jobs each, and one key with two queued
    with gateway_with(
        api_keys=f"{ALICE},{BOB}", admin_api_keys=ADMIN, max_running_jobs_per_key=2
    ) as client:
        first, _ = submit_as(client, ALICE), submit_as(client, ALICE)

        # When that key posts a third
        refused = client.post(f"{API}/generate", json=STORY, headers=as_key(ALICE))

        # Then it is refused with the limit and when to try again
        assert refused.status_code == 429
        assert refused.json() == {
            "error": "Too many running jobs: this key has 2 queued or processing, "
            "the limit is 2; retry in 15 s"
        }
        assert refused.headers["retry-after"] == "15"
        assert len(listed(client, ALICE)) == 2

        # And another key and the admin key are not held back
        submit_as(client, BOB)
        submit_as(client, ADMIN)
        submit_as(client, ADMIN)
        submit_as(client, ADMIN)

        # And once one of its jobs ends (here: cancelled), the key may queue another
        assert client.delete(f"{API}/jobs/{first}", headers=as_key(ALICE)).status_code == 202
        submit_as(client, ALICE)


def test_a_key_over_its_video_seconds_for_the_day_is_refused(
    gateway_with: GatewayStarter,
) -> None:
    # Given keys allowed 30 seconds of video a day, no limit on running jobs
    with gateway_with(
        api_keys=f"{ALICE},{BOB}", video_seconds_per_day_per_key=30, max_running_jobs_per_key=0
    ) as client:
        # When a key posts a story of about 17 s (60 words), then another
        story = " ".join(["word"] * 60)
        submit_as(client, ALICE, story)
        refused = client.post(f"{API}/generate", json={"text": story}, headers=as_key(ALICE))

        # Then the second is refused, saying the quota, the use and the need
        assert refused.status_code == 429
        message = refused.json()["error"]
        assert message.startswith(
            "Daily video quota reached: this key used 17 of its 30 video seconds in the last "
            "24 hours, and this job needs about 17; retry in "
        )
        # The first job leaves the 24 hours' window in about a day
        assert 86000 < int(refused.headers["retry-after"]) <= 86400

        # And a shorter job still fits, and another key has its own day
        submit_as(client, ALICE, " ".join(["word"] * 20))
        submit_as(client, BOB, story)
