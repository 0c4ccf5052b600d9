"""How every message is marked: JSON, persistent, so a broker restart keeps it."""

import pika
from pika.spec import BasicProperties


def message_properties(message_id: str | None = None) -> BasicProperties:
    """``message_id`` names a message the broker may return, for a publisher to match it."""
    return BasicProperties(
        content_type="application/json",
        delivery_mode=pika.DeliveryMode.Persistent,
        message_id=message_id,
    )
