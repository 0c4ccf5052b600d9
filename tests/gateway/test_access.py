"""API keys and the rate limit on new jobs."""

import logging
import uuid

import pytest
from fastapi.testclient import TestClient

from gateway.settings import GatewaySettings
from tests.gateway.helpers import API, GatewayStarter

KEYS = "first-secret-key,second-secret-key"
INVALID_KEY = {"error": "Missing or invalid API key"}
STORY = {"text": "Once upon a time..."}


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def calling_from(client: TestClient, host: str) -> TestClient:
    """Another client of ``client``'s running gateway, at address ``host``."""
    elsewhere = TestClient(client.app, client=(host, 40000))
    # On the running app's event loop, where its broker connection lives; a client of its
    # own would run each request on a new loop, and wait on the broker from there.
    elsewhere.portal = client.portal
    return elsewhere


# API keys


@pytest.mark.parametrize(
    "headers",
    [
        {},
        bearer("wrong-key"),
        {"X-API-Key": "wrong-key"},
        {"Authorization": "Basic Zmlyc3Qtc2VjcmV0LWtleTo="},
        {"Authorization": "Bearer "},
        {"X-API-Key": ""},
    ],
    ids=["none", "wrong-bearer", "wrong-header", "basic-auth", "empty-bearer", "empty-header"],
)
def test_without_a_valid_key_every_api_route_is_refused(
    gateway_with: GatewayStarter, headers: dict[str, str]
) -> None:
    # Given a gateway with API keys
    with gateway_with(api_keys=KEYS) as client:
        job_id = str(uuid.uuid4())
        requests = [
            ("POST", f"{API}/generate"),
            ("GET", f"{API}/status/{job_id}"),
            ("GET", f"{API}/download/{job_id}"),
            ("GET", f"{API}/jobs"),
            ("DELETE", f"{API}/jobs/{job_id}"),
        ]
        for method, url in requests:
            # When a client calls without a valid key (and a broken body, where one fits)
            body = b"{not json" if method == "POST" else None
            response = client.request(method, url, headers=headers, content=body)

            # Then it is refused before anything else is looked at, with a challenge
            assert response.status_code == 401, (method, url)
            assert response.json() == INVALID_KEY
            assert response.headers["www-authenticate"] == "Bearer"
        assert client.get(f"{API}/jobs", headers=bearer("first-secret-key")).json() == {"jobs": {}}


def test_either_key_works_in_either_header(gateway_with: GatewayStarter) -> None:
    # Given a gateway with two keys
    with gateway_with(api_keys=KEYS) as client:
        for key in ("first-secret-key", "second-secret-key"):
            # When a client sends its key as a bearer token, then as X-API-Key
            created = client.post(f"{API}/generate", json=STORY, headers=bearer(key))
            job_id = created.json()["job_id"]
            status = client.get(f"{API}/status/{job_id}", headers={"X-API-Key": key})

            # Then both are served
            assert created.status_code == 202
            assert status.status_code == 200


def test_probes_need_no_key(gateway_with: GatewayStarter) -> None:
    with gateway_with(api_keys=KEYS) as client:
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 200
        assert client.get(f"{API}/health").status_code == 200


def test_keys_appear_in_no_log_and_no_settings_dump(
    gateway_with: GatewayStarter, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a gateway with keys, logging everything
    caplog.set_level(logging.DEBUG)
    with gateway_with(api_keys=KEYS) as client:
        # When clients use a right key and a wrong one
        client.post(f"{API}/generate", json=STORY, headers=bearer("first-secret-key"))
        client.get(f"{API}/jobs", headers={"X-API-Key": "second-secret-key-typo"})
        settings = client.app.state.settings  # type: ignore[attr-defined]

    # Then no log line and no printed settings show a key
    assert isinstance(settings, GatewaySettings)
    for shown in (caplog.text, repr(settings), str(settings.model_dump())):
        assert "secret-key" not in shown


# Rate limit


def test_new_jobs_beyond_the_rate_are_refused_with_when_to_retry(
    gateway_with: GatewayStarter,
) -> None:
    # Given a gateway that takes two jobs a minute from each client
    with gateway_with(rate_limit_per_minute=2) as client:
        # When a client posts three at once
        responses = [client.post(f"{API}/generate", json=STORY) for _ in range(3)]

        # Then the third is refused, saying when a token will be back
        assert [response.status_code for response in responses] == [202, 202, 429]
        assert responses[2].json() == {"error": "Too many requests; retry in 30 s"}
        assert responses[2].headers["retry-after"] == "30"

        # And a refused request's body is not even read
        assert client.post(f"{API}/generate", content=b"{not json").status_code == 429

        # And only the two accepted jobs exist, while reading is not limited
        assert len(client.get(f"{API}/jobs").json()["jobs"]) == 2
        assert client.get(f"{API}/jobs").status_code == 200


def test_each_key_has_its_own_rate(gateway_with: GatewayStarter) -> None:
    # Given a gateway with two keys, each allowed one job a minute
    with gateway_with(api_keys=KEYS, rate_limit_per_minute=1) as client:
        first_key, second_key = bearer("first-secret-key"), bearer("second-secret-key")

        # When the first key posts twice and then the second key posts
        first = client.post(f"{API}/generate", json=STORY, headers=first_key)
        again = client.post(f"{API}/generate", json=STORY, headers=first_key)
        other = client.post(f"{API}/generate", json=STORY, headers=second_key)

        # Then only the first key's second job is refused
        assert [first.status_code, again.status_code, other.status_code] == [202, 429, 202]


def test_without_keys_each_address_has_its_own_rate(gateway_with: GatewayStarter) -> None:
    # Given an open gateway allowing one job a minute, and a second client at another address
    with gateway_with(rate_limit_per_minute=1) as client:
        elsewhere = calling_from(client, "203.0.113.7")

        # When the first client posts twice and the other once
        first = client.post(f"{API}/generate", json=STORY)
        again = client.post(f"{API}/generate", json=STORY)
        other = elsewhere.post(f"{API}/generate", json=STORY)

        # Then only the first client's second job is refused
        assert [first.status_code, again.status_code, other.status_code] == [202, 429, 202]


def test_a_rate_of_zero_means_no_limit(gateway_with: GatewayStarter) -> None:
    with gateway_with(rate_limit_per_minute=0) as client:
        responses = [client.post(f"{API}/generate", json=STORY) for _ in range(5)]

        assert {response.status_code for response in responses} == {202}


# Failed authentication


def test_a_client_guessing_keys_is_slowed_to_429s(gateway_with: GatewayStarter) -> None:
    # Given a gateway allowing three failed authentications a minute per client
    with gateway_with(api_keys=KEYS, auth_failures_per_minute=3) as client:
        guesser = calling_from(client, "198.51.100.7")
        neighbour = calling_from(client, "198.51.100.8")

        # When one client tries four wrong keys, and then the right one
        guesses = [guesser.get(f"{API}/jobs", headers=bearer(f"guess-{n}")) for n in range(4)]
        right = guesser.get(f"{API}/status/{uuid.uuid4()}", headers=bearer("first-secret-key"))

        # Then the first three are 401 and the rest 429, saying when to try again; even the
        # right key is refused meanwhile, so no guess can be confirmed
        assert [guess.status_code for guess in guesses] == [401, 401, 401, 429]
        assert guesses[3].json() == {
            "error": "Too many failed authentication attempts; retry in 20 s"
        }
        assert guesses[3].headers["retry-after"] == "20"
        assert right.status_code == 429

        # And a client at another address is not held back
        assert neighbour.get(f"{API}/jobs", headers=bearer("first-secret-key")).status_code == 200


def test_ipv6_clients_of_one_64_share_a_bucket(gateway_with: GatewayStarter) -> None:
    # Given a gateway allowing one failed authentication a minute per client
    with gateway_with(api_keys=KEYS, auth_failures_per_minute=1) as client:
        first = calling_from(client, "2001:db8:1:2::5")
        same_64 = calling_from(client, "2001:db8:1:2:ffff:ffff:ffff:1")
        next_64 = calling_from(client, "2001:db8:1:3::5")

        # When one address of a /64 fails once, and another address of it tries next
        failed = first.get(f"{API}/jobs")
        sibling = same_64.get(f"{API}/jobs")

        # Then the second address is throttled too, while the next /64 is not
        assert (failed.status_code, sibling.status_code) == (401, 429)
        assert next_64.get(f"{API}/jobs").status_code == 401


def test_ipv6_clients_of_one_64_share_the_new_job_rate(gateway_with: GatewayStarter) -> None:
    # Given an open gateway allowing one job a minute per client
    with gateway_with(rate_limit_per_minute=1) as client:
        first = calling_from(client, "2001:db8:1:2::5")
        same_64 = calling_from(client, "2001:db8:1:2::6")
        next_64 = calling_from(client, "2001:db8:1:3::5")

        # When two addresses of one /64 and one of another post a job each
        answers = [c.post(f"{API}/generate", json=STORY) for c in (first, same_64, next_64)]

        # Then the /64's second job is refused
        assert [answer.status_code for answer in answers] == [202, 429, 202]


# X-Forwarded-For


def forwarded_for(addresses: str) -> dict[str, str]:
    return {"X-Forwarded-For": addresses}


def test_forwarded_for_is_ignored_unless_the_proxy_is_trusted(
    gateway_with: GatewayStarter,
) -> None:
    # Given an open gateway allowing one job a minute per client, trusting no proxy
    with gateway_with(rate_limit_per_minute=1) as client:
        # When one client posts twice, claiming other addresses each time
        answers = [
            client.post(f"{API}/generate", json=STORY, headers=forwarded_for(address))
            for address in ("203.0.113.1", "203.0.113.2")
        ]

        # Then the claim is not believed: its second job is refused
        assert [answer.status_code for answer in answers] == [202, 429]


def test_forwarded_for_from_a_trusted_proxy_names_the_client(
    gateway_with: GatewayStarter,
) -> None:
    # Given a gateway behind a proxy at 10.0.0.2, allowing one job a minute per client
    with gateway_with(rate_limit_per_minute=1, trusted_proxies="10.0.0.0/24") as client:
        proxy = calling_from(client, "10.0.0.2")

        # When the proxy passes on jobs of two clients, one of them trying to pose as a
        # third by writing its own X-Forwarded-For in front
        first = proxy.post(f"{API}/generate", json=STORY, headers=forwarded_for("203.0.113.1"))
        other = proxy.post(f"{API}/generate", json=STORY, headers=forwarded_for("203.0.113.2"))
        posing = proxy.post(
            f"{API}/generate", json=STORY, headers=forwarded_for("198.51.100.9, 203.0.113.1")
        )

        # Then each client has its own rate, and the pose is seen through
        assert [first.status_code, other.status_code, posing.status_code] == [202, 202, 429]

        # And a client beside the proxy cannot use the header
        direct = calling_from(client, "203.0.113.50")
        spoofed = [
            direct.post(f"{API}/generate", json=STORY, headers=forwarded_for(address))
            for address in ("192.0.2.1", "192.0.2.2")
        ]
        assert [answer.status_code for answer in spoofed] == [202, 429]
