"""Publishing new jobs from the event loop with many confirms in flight, on the real broker."""

import asyncio
import time

import pytest

from common.amqp.publisher import ConfirmingPublisher
from common.amqp.session import BrokerSession
from common.errors import BrokerUnavailable
from common.settings import Settings
from tests.broker_helpers import UNREACHABLE_BROKER_URL, queued_messages

pytestmark = pytest.mark.anyio


async def test_concurrent_publishes_are_all_confirmed_and_stored(
    settings: Settings, broker: BrokerSession
) -> None:
    # Given a connected publisher
    publisher = ConfirmingPublisher(settings)
    await publisher.start(wait=5)
    assert publisher.is_connected
    topology = broker.topology
    try:
        # When 200 messages are published at once
        await asyncio.gather(
            *(
                publisher.publish(
                    topology.jobs_exchange,
                    topology.stage_routing_key("tts"),
                    f'{{"n": {n}}}'.encode(),
                    timeout=10,
                )
                for n in range(200)
            )
        )
    finally:
        await publisher.stop()

    # Then every one returned confirmed, and every one is in the queue
    assert queued_messages(broker, topology.stage_queue("tts")) == 200


async def test_a_message_no_queue_takes_is_refused(
    settings: Settings, broker: BrokerSession
) -> None:
    # Given a connected publisher
    publisher = ConfirmingPublisher(settings)
    await publisher.start(wait=5)
    try:
        # When it publishes with a routing key no queue is bound to
        # Then the publish fails instead of the message vanishing
        with pytest.raises(BrokerUnavailable, match="no queue is bound"):
            await publisher.publish(
                broker.topology.jobs_exchange, "stage.nowhere", b"{}", timeout=10
            )
        # And the publisher goes on working
        await publisher.publish(
            broker.topology.jobs_exchange, broker.topology.stage_routing_key("tts"), b"{}", 10
        )
    finally:
        await publisher.stop()


async def test_an_unreachable_broker_fails_publishing_at_once(settings: Settings) -> None:
    # Given a publisher whose broker does not answer
    unreachable = settings.model_copy(update={"broker_url": UNREACHABLE_BROKER_URL})
    publisher = ConfirmingPublisher(unreachable)
    await publisher.start(wait=5)
    try:
        # When it publishes, Then it is refused without waiting for a timeout
        assert not publisher.is_connected
        started = time.monotonic()
        with pytest.raises(BrokerUnavailable, match="not connected"):
            await publisher.publish("exchange", "key", b"{}", timeout=10)
        assert time.monotonic() - started < 1
    finally:
        await publisher.stop()


async def test_after_the_broker_closes_its_channel_the_publisher_reconnects(
    settings: Settings, broker: BrokerSession
) -> None:
    # Given a connected publisher
    publisher = ConfirmingPublisher(settings)
    await publisher.start(wait=5)
    topology = broker.topology
    try:
        # When the broker closes its channel (publishing to an exchange that does not exist)
        with pytest.raises(BrokerUnavailable):
            await publisher.publish(f"{topology.jobs_exchange}.missing", "key", b"{}", 10)

        # Then it connects again by itself and publishes once more
        deadline = time.monotonic() + 10
        while not publisher.is_connected and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await publisher.publish(
            topology.jobs_exchange, topology.stage_routing_key("tts"), b"{}", timeout=10
        )
    finally:
        await publisher.stop()
    assert queued_messages(broker, topology.stage_queue("tts")) == 1
