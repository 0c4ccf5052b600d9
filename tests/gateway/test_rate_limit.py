"""The token buckets behind the rate limit, on a clock the test moves by hand."""

from gateway.rate_limit import RateLimiter


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_full_burst_passes_then_one_request_per_refill() -> None:
    # Given sixty requests a minute, one token back every second
    clock = ManualClock()
    limiter = RateLimiter(60, clock=clock)

    # When a client sends sixty at once, then one more
    burst = [limiter.acquire("client") for _ in range(60)]
    refused = limiter.acquire("client")

    # Then the sixty pass and the next waits a second
    assert burst == [0] * 60
    assert refused == 1

    # And after half a second it still waits; after a second one more passes
    clock.now += 0.5
    assert limiter.acquire("client") == 1
    clock.now += 0.5
    assert limiter.acquire("client") == 0


def test_a_quiet_client_gets_no_more_than_one_burst() -> None:
    # Given a client that has used its burst of three and then waits an hour
    clock = ManualClock()
    limiter = RateLimiter(3, clock=clock)
    for _ in range(3):
        limiter.acquire("client")
    clock.now += 3600

    # When it sends four at once, Then three pass and the fourth waits for the next token
    assert [limiter.acquire("client") for _ in range(4)] == [0, 0, 0, 20]


def test_clients_do_not_share_tokens() -> None:
    limiter = RateLimiter(1, clock=ManualClock())

    assert limiter.acquire("one") == 0
    assert limiter.acquire("one") == 60
    assert limiter.acquire("two") == 0


def test_zero_means_unlimited() -> None:
    limiter = RateLimiter(0, clock=ManualClock())

    assert {limiter.acquire("client") for _ in range(1000)} == {0}


def test_waiting_is_told_without_taking_a_token() -> None:
    # Given a client with one token left of three
    clock = ManualClock()
    limiter = RateLimiter(3, clock=clock)
    limiter.acquire("client")
    limiter.acquire("client")

    # When it asks how long to wait, again and again
    waits = [limiter.wait("client") for _ in range(5)]

    # Then it need not wait, and its last token is still there; a client never seen need not either
    assert waits == [0] * 5
    assert limiter.acquire("client") == 0
    assert limiter.wait("client") == 20
    assert limiter.wait("stranger") == 0
