"""The topology against the real broker: delivery limits, and queues left by an earlier version."""

import pika
import pytest

from common.amqp.session import BrokerSession
from common.errors import TopologyMismatch
from common.settings import Settings
from tests.local_service import delete_topology


def test_a_stage_queue_from_before_delivery_limits_is_named_with_its_fix(
    settings: Settings,
) -> None:
    # Given a broker holding the tts queue as an earlier version declared it, with no limit
    connection = pika.BlockingConnection(pika.URLParameters(settings.broker_url))
    old_queue = f"{settings.amqp_prefix}.stage.tts"
    try:
        connection.channel().queue_declare(
            old_queue,
            durable=True,
            arguments={
                "x-queue-type": "quorum",
                "x-dead-letter-exchange": f"{settings.amqp_prefix}.dlx",
            },
        )

        # When a process of this version connects
        session = BrokerSession(settings)
        with pytest.raises(TopologyMismatch) as refused:
            session.open()
        session.close()
    finally:
        connection.close()
        delete_topology(settings)

    # Then it says which queue, why, and how to finish the upgrade
    assert f"queue {old_queue} was declared by an earlier version" in str(refused.value)
    assert f"rabbitmqctl delete_queue {old_queue}" in str(refused.value)
    assert "x-delivery-limit" in str(refused.value)
