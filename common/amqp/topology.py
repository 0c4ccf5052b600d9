"""Exchanges and queues, declared identically (and idempotently) by every process."""

from dataclasses import dataclass
from typing import Any

import pika.exceptions
from pika.adapters.blocking_connection import BlockingChannel

from common.errors import TopologyMismatch
from common.settings import Settings
from common.stages import STAGE_NAMES

# RabbitMQ's answer to a declaration whose arguments differ from the queue's.
_PRECONDITION_FAILED = 406


@dataclass(frozen=True)
class Topology:
    prefix: str = "t2v"
    retry_delays: tuple[float, ...] = (5.0, 30.0, 120.0)
    # Deliveries a stage message gets before it is dead-lettered as a poison message.
    delivery_limit: int = 3

    @classmethod
    def of(cls, settings: Settings) -> "Topology":
        return cls(settings.amqp_prefix, settings.retry_delays, settings.delivery_limit)

    @property
    def jobs_exchange(self) -> str:
        return f"{self.prefix}.jobs"

    @property
    def progress_exchange(self) -> str:
        return f"{self.prefix}.progress"

    @property
    def dead_letter_exchange(self) -> str:
        return f"{self.prefix}.dlx"

    @property
    def dead_letter_queue(self) -> str:
        return f"{self.prefix}.dead"

    @property
    def gateway_dead_letter_queue(self) -> str:
        """A second copy of dead stage messages, for the gateway to fail their jobs."""
        return f"{self.prefix}.gateway.dead"

    @property
    def progress_queue(self) -> str:
        """The gateway's queue of progress events; durable so none are missed while it is down."""
        return f"{self.prefix}.gateway.progress"

    def retry_exchange(self, attempt: int) -> str:
        """Where a job goes to wait before its ``attempt + 1``-th try of a stage."""
        return f"{self.prefix}.retry.{self._delay_ms(attempt)}ms"

    def retry_delay(self, attempt: int) -> float:
        return self._delay_ms(attempt) / 1000

    def _delay_ms(self, attempt: int) -> int:
        index = min(max(attempt, 1), len(self.retry_delays)) - 1
        return round(self.retry_delays[index] * 1000)

    def _retry_delays_ms(self) -> list[int]:
        return sorted({round(delay * 1000) for delay in self.retry_delays})

    def stage_queue(self, stage: str) -> str:
        return f"{self.prefix}.stage.{stage}"

    @staticmethod
    def stage_routing_key(stage: str) -> str:
        return f"stage.{stage}"

    @staticmethod
    def progress_routing_key(stage: str) -> str:
        return f"progress.{stage}"

    def all_queues(self) -> list[str]:
        stage_queues = [self.stage_queue(stage) for stage in STAGE_NAMES]
        retry_queues = [f"{self.prefix}.retry.{ms}ms" for ms in self._retry_delays_ms()]
        return [
            *stage_queues,
            *retry_queues,
            self.progress_queue,
            self.dead_letter_queue,
            self.gateway_dead_letter_queue,
        ]

    def all_exchanges(self) -> list[str]:
        retry_exchanges = [f"{self.prefix}.retry.{ms}ms" for ms in self._retry_delays_ms()]
        fixed = [self.jobs_exchange, self.progress_exchange, self.dead_letter_exchange]
        return [*fixed, *retry_exchanges]

    def declare(self, channel: BlockingChannel) -> None:
        for exchange in (self.jobs_exchange, self.progress_exchange, self.dead_letter_exchange):
            channel.exchange_declare(exchange, exchange_type="topic", durable=True)
        self._declare_retries(channel)
        # Quorum queues replicate across a cluster and survive broker restarts; rejected
        # messages go to the dead-letter exchange with their routing key unchanged.
        arguments = {"x-queue-type": "quorum", "x-dead-letter-exchange": self.dead_letter_exchange}
        # RabbitMQ counts returns (a consumer gone without settling), not deliveries: past
        # the limit it dead-letters the message with the reason "delivery_limit".
        stage_arguments = {**arguments, "x-delivery-limit": self.delivery_limit - 1}
        for stage in STAGE_NAMES:
            queue = self.stage_queue(stage)
            _declare_queue(channel, queue, stage_arguments)
            channel.queue_bind(queue, self.jobs_exchange, self.stage_routing_key(stage))
        _declare_queue(channel, self.progress_queue, arguments)
        channel.queue_bind(self.progress_queue, self.progress_exchange, "progress.#")
        # Dead letters are kept for operators in one queue, and seen by the gateway in another.
        _declare_queue(channel, self.dead_letter_queue, {"x-queue-type": "quorum"})
        channel.queue_bind(self.dead_letter_queue, self.dead_letter_exchange, "#")
        _declare_queue(channel, self.gateway_dead_letter_queue, {"x-queue-type": "quorum"})
        channel.queue_bind(self.gateway_dead_letter_queue, self.dead_letter_exchange, "stage.#")

    def _declare_retries(self, channel: BlockingChannel) -> None:
        # One waiting queue per delay: its messages expire after the delay and dead-letter
        # back to the jobs exchange with their routing key, so they land in their stage's
        # queue again. A fixed TTL per queue keeps expiry in order (RabbitMQ only expires
        # messages at the head of a queue).
        for ms in self._retry_delays_ms():
            name = f"{self.prefix}.retry.{ms}ms"
            channel.exchange_declare(name, exchange_type="fanout", durable=True)
            arguments = {"x-message-ttl": ms, "x-dead-letter-exchange": self.jobs_exchange}
            _declare_queue(channel, name, arguments)
            channel.queue_bind(name, name)

    def delete(self, channel: BlockingChannel) -> None:
        """Remove everything :meth:`declare` made (tests use a prefix of their own)."""
        for queue in self.all_queues():
            channel.queue_delete(queue)
        for exchange in self.all_exchanges():
            channel.exchange_delete(exchange)


def _declare_queue(channel: BlockingChannel, queue: str, arguments: dict[str, Any]) -> None:
    """Declare ``queue``; an existing one with other arguments is an upgrade to finish by hand."""
    try:
        channel.queue_declare(queue, durable=True, arguments=arguments)
    except pika.exceptions.ChannelClosedByBroker as exc:
        if exc.reply_code != _PRECONDITION_FAILED:
            raise
        raise TopologyMismatch(
            f"queue {queue} was declared by an earlier version with other arguments"
            f" ({exc.reply_text}); let it drain, delete it (rabbitmqctl delete_queue {queue})"
            " and this process declares it anew: see 'Upgrading' in docs/design.md"
        ) from exc
