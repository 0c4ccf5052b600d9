"""Exchanges and queues, declared identically (and idempotently) by every process."""

from dataclasses import dataclass

from pika.adapters.blocking_connection import BlockingChannel

from common.stages import STAGE_NAMES


@dataclass(frozen=True)
class Topology:
    prefix: str = "t2v"

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
        return [*stage_queues, self.progress_queue, self.dead_letter_queue]

    def all_exchanges(self) -> list[str]:
        return [self.jobs_exchange, self.progress_exchange, self.dead_letter_exchange]

    def declare(self, channel: BlockingChannel) -> None:
        for exchange in self.all_exchanges():
            channel.exchange_declare(exchange, exchange_type="topic", durable=True)
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

    def delete(self, channel: BlockingChannel) -> None:
        """Remove everything :meth:`declare` made (tests use a prefix of their own)."""
        for queue in self.all_queues():
            channel.queue_delete(queue)
        for exchange in self.all_exchanges():
            channel.exchange_delete(exchange)
