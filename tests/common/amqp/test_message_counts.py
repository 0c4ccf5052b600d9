"""Counting queued messages on the real broker, without disturbing the consuming channel."""

import pytest

from common.amqp.session import BrokerSession
from common.errors import BrokerUnavailable


def test_a_missing_queue_fails_the_count_but_not_the_consuming_channel(
    broker: BrokerSession,
) -> None:
    # Given a session whose stage queue has been deleted by an operator
    topology = broker.topology
    broker.channel.queue_delete(topology.stage_queue("render"))

    # When its queues' messages are counted
    with pytest.raises(BrokerUnavailable):
        broker.call(lambda: broker.message_counts([topology.stage_queue("render")]))

    # Then the session's own channel is still open, and other queues can still be counted
    assert broker.channel.is_open
    assert broker.message_counts([topology.stage_queue("tts")]) == {topology.stage_queue("tts"): 0}
