"""The whole API, fuzzed from its own OpenAPI document against a real server and broker.

Schemathesis builds requests from the document, some that fit it and some that break it:
first one at a time for every operation, then in sequences that follow a new job's links
to its status, video and cancellation. Whatever arrives, the gateway must not fail (no 5xx),
must answer as its document says, and every error must be exactly ``{"error": "<text>"}``.

Hypothesis runs inside the tests, so one server and one broker topology serve every case.
Generation is random, so each run tries new cases; a failure shows a curl command that
repeats it.
"""

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from common.amqp.session import BrokerSession
from gateway.app import create_app
from gateway.settings import GatewaySettings
from tests.gateway.helpers import publish_catalog, serve

# Together about 300 requests, in under 25 s on two cores.
CASES_PER_OPERATION_AND_MODE = 20
SEQUENCES = 15
STEPS_PER_SEQUENCE = 6

MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
FUZZ_SETTINGS = settings(
    deadline=None, database=None, suppress_health_check=list(HealthCheck), print_blob=False
)


def check_answer(case: schemathesis.Case, response: schemathesis.Response, base_url: str) -> None:
    case.validate_response(response, checks=CHECKS)
    if response.status_code >= 400:
        body: Any = response.json()
        reproduce = case.as_curl_command(base_url=base_url)
        assert isinstance(body, dict) and list(body) == ["error"], reproduce
        assert isinstance(body["error"], str) and body["error"], reproduce


@pytest.fixture
def fuzzed_settings(gateway_settings: GatewaySettings) -> GatewaySettings:
    # Hypothesis replays a sequence to confirm or shrink a failure; a rate limit spent by
    # earlier cases would answer the replay differently, which it reports as flaky.
    return gateway_settings.model_copy(update={"rate_limit_per_minute": 0})


@pytest.fixture
def fuzzed_gateway(fuzzed_settings: GatewaySettings, broker: BrokerSession) -> Iterator[str]:
    # As in a running deployment, the TTS service has published its voices.
    publish_catalog(fuzzed_settings.data_dir)
    with serve(create_app(fuzzed_settings)) as base_url:
        yield base_url


def api_schema(settings: GatewaySettings) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_dict(create_app(settings).openapi())


def test_no_single_request_breaks_the_api(
    fuzzed_gateway: str, fuzzed_settings: GatewaySettings
) -> None:
    results = list(api_schema(fuzzed_settings).get_all_operations())
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) == len(results) == 20

    for operation in operations:
        # An operation that takes no input at all has nothing to get wrong.
        takes_input = bool(operation.body) or any(True for _ in operation.iter_parameters())
        for mode in MODES if takes_input else MODES[:1]:

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(FUZZ_SETTINGS, max_examples=CASES_PER_OPERATION_AND_MODE)
            def answered_cleanly(case: schemathesis.Case) -> None:
                check_answer(case, case.call(base_url=fuzzed_gateway), fuzzed_gateway)

            answered_cleanly()


def test_no_sequence_that_follows_a_job_breaks_the_api(
    fuzzed_gateway: str, fuzzed_settings: GatewaySettings
) -> None:
    generated_machine = api_schema(fuzzed_settings).as_state_machine()

    class FollowingJobs(generated_machine):  # type: ignore[valid-type, misc]
        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"base_url": fuzzed_gateway}

        def validate_response(
            self, response: schemathesis.Response, case: schemathesis.Case, *_: Any, **__: Any
        ) -> None:
            check_answer(case, response, fuzzed_gateway)

    FollowingJobs.run(
        settings=settings(
            FUZZ_SETTINGS, max_examples=SEQUENCES, stateful_step_count=STEPS_PER_SEQUENCE
        )
    )
