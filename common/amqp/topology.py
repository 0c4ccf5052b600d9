"""Exchanges and queues, declared identically (and idempotently) by every process."""

from dataclasses import dataclass

from pika.adapters.blocking_connection import BlockingChannel

from common.settings import Settings
from common.stages import STAGE_NAMES


@dataclass(frozen=True)
class Topology:
    prefix: str = "t2v"
    retry_delays: tuple[float, ...] = (5.0, 30.0, 120.0)

    @classmethod
    def of(cls, settings: Settings) -> "Topology":
        return cls(settings.amqp_prefix, settings.retry_delays)

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
        return [*stage_queues, *retry_queues, self.progress_queue, self.dead_letter_queue]

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
        for stage in STAGE_NAMES:
            queue = self.stage_queue(stage)
            channel.queue_declare(queue, durable=True, arguments=arguments)
            channel.queue_bind(queue, self.jobs_exchange, self.stage_routing_key(stage))
        channel.queue_declare(self.progress_queue, durable=True, arguments=arguments)
        channel.queue_bind(self.progress_queue, self.progress_exchange, "progress.#")
        channel.queue_declare(
            self.dead_letter_queue, durable=True, arguments={"x-queue-type": "quorum"}
        )
        channel.queue_bind(self.dead_letter_queue, self.dead_letter_exchange, "#")

    def _declare_retries(self, channel: BlockingChannel) -> None:
        # One waiting queue per delay: its messages expire after the delay and dead-letter
        # back to the jobs exchange with their routing key, so they land in their stage's
        # queue again. A fixed TTL per queue keeps expiry in order (RabbitMQ only expires
        # messages at the head of a queue).
        for ms in self._retry_delays_ms():
            name = f"{self.prefix}.retry.{ms}ms"
            channel.exchange_declare(name, exchange_type="fanout", durable=True)
            arguments = {"x-message-ttl": ms, "x-dead-letter-exchange": self.jobs_exchange}
            channel.queue_declare(name, durable=True, arguments=arguments)
            channel.queue_bind(name, name)

    def delete(self, channel: BlockingChannel) -> None:
        """Remove everything :meth:`declare` made (tests use a prefix of their own)."""
        for queue in self.all_queues():
            channel.queue_delete(queue)
        for exchange in self.all_exchanges():
            channel.exchange_delete(exchange)
