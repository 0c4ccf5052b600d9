"""Pauses between reconnection attempts."""

from common.amqp.backoff import Backoff


def test_pauses_double_up_to_the_cap_and_start_over_after_a_success() -> None:
    # Given a backoff capped at 5 s
    backoff = Backoff(max_delay=5.0)

    # When the broker keeps refusing
    pauses = [backoff.next_delay() for _ in range(5)]

    # Then the pauses double from one second and stay at the cap
    assert pauses == [1.0, 2.0, 4.0, 5.0, 5.0]
    # And after a success the next failure waits one second again
    backoff.reset()
    assert backoff.next_delay() == 1.0
