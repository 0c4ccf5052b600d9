"""A confirming connection to RabbitMQ, owned by one thread and usable from others.

pika's BlockingConnection is not thread-safe and only answers heartbeats while its
owner thread is inside it. So the owner thread sits in the consume loop, and other
threads (stage workers, HTTP handlers) hand it work through
``add_callback_threadsafe`` and wait for the result: heartbeats keep flowing however
long the work takes.
"""

import contextlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

import pika
import pika.exceptions
from pika.adapters.blocking_connection import BlockingChannel
from pika.spec import Basic, BasicProperties

from common.amqp.backoff import Backoff
from common.amqp.parameters import connection_parameters
from common.amqp.properties import message_properties
from common.amqp.topology import Topology
from common.errors import BrokerUnavailable, InvalidMessage
from common.settings import Settings

logger = logging.getLogger(__name__)

T = TypeVar("T")
M = TypeVar("M")
# on_message(channel, delivery_tag, message), called on the owner thread.
MessageHandler = Callable[[BlockingChannel, int, M], None]

_PERSISTENT_JSON = message_properties()
# The base of every error pika raises for a lost or refused connection or channel.
AMQPError = pika.exceptions.AMQPError


class BrokerSession:
    """One connection and one confirming channel with the topology declared."""

    def __init__(self, settings: Settings) -> None:
        self.topology = Topology.of(settings)
        self._parameters = connection_parameters(settings)
        self._connection: pika.BlockingConnection | None = None
        self._channel: BlockingChannel | None = None
        self._owner: threading.Thread | None = None
        self._pending: set[Future[Any]] = set()
        self._pending_lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        return self._connection is not None and self._connection.is_open

    def open(self) -> None:
        try:
            self._connection = pika.BlockingConnection(self._parameters)
        except AMQPError as exc:
            raise BrokerUnavailable(f"cannot reach the broker: {exc!r}") from exc
        self._channel = self._connection.channel()
        self._channel.confirm_delivery()
        self.topology.declare(self._channel)
        self._owner = threading.current_thread()

    def close(self) -> None:
        if self._connection is not None and self._connection.is_open:
            with contextlib.suppress(AMQPError):
                self._connection.close()
        self._fail_pending()

    @property
    def channel(self) -> BlockingChannel:
        if self._channel is None:
            raise BrokerUnavailable("the broker session is not open")
        return self._channel

    def publish(self, exchange: str, routing_key: str, body: bytes) -> None:
        """Publish persistently and wait for the broker's confirm (owner thread only)."""
        self.channel.basic_publish(
            exchange, routing_key, body, properties=_PERSISTENT_JSON, mandatory=True
        )

    def message_counts(self, queues: list[str]) -> dict[str, int]:
        """Messages ready in each of ``queues`` (owner thread only).

        Asked on a channel of its own: the broker closes the channel a passive declare of a
        missing queue was made on, and the consuming channel must live on.
        """
        assert self._connection is not None
        channel = self._connection.channel()
        try:
            return {
                queue: channel.queue_declare(queue, passive=True).method.message_count
                for queue in queues
            }
        except pika.exceptions.ChannelClosedByBroker as exc:
            raise BrokerUnavailable(f"cannot count a queue's messages: {exc.reply_text}") from exc
        finally:
            if channel.is_open:
                channel.close()

    def call(self, function: Callable[[], T], timeout: float = 60.0) -> T:
        """Run ``function`` on the owner thread and return its result."""
        if threading.current_thread() is self._owner:
            return function()
        connection = self._connection
        if connection is None or not connection.is_open:
            raise BrokerUnavailable("the broker connection is closed")
        future: Future[T] = Future()

        def run() -> None:
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(function())
                except BaseException as exc:
                    future.set_exception(exc)

        with self._pending_lock:
            self._pending.add(future)
        try:
            connection.add_callback_threadsafe(run)
            return future.result(timeout)
        except FutureTimeout as exc:
            future.cancel()  # if the owner thread gets to it later, it must not run then
            raise BrokerUnavailable(f"the broker did not answer within {timeout:.0f} s") from exc
        except (pika.exceptions.UnroutableError, pika.exceptions.NackError) as exc:
            raise BrokerUnavailable(f"the broker refused the message: {exc!r}") from exc
        except AMQPError as exc:
            raise BrokerUnavailable(f"the broker connection was lost: {exc!r}") from exc
        finally:
            with self._pending_lock:
                self._pending.discard(future)

    def consume(
        self,
        queue: str,
        parse: Callable[[bytes], M],
        on_message: MessageHandler[M],
        prefetch: int,
    ) -> None:
        """Hand each delivery's parsed message to ``on_message``, which settles it.

        A message ``parse`` rejects is dead-lettered here: a message is untrusted input, and
        requeuing one that can never be read would only bring it back.
        """
        channel = self.channel
        channel.basic_qos(prefetch_count=prefetch)

        def deliver(
            ch: BlockingChannel, method: Basic.Deliver, _props: BasicProperties, body: bytes
        ) -> None:
            try:
                message = parse(body)
            except InvalidMessage as exc:
                logger.error("dead-lettering a malformed message from %s: %s", queue, exc)
                ch.basic_nack(method.delivery_tag, requeue=False)
                return
            on_message(ch, method.delivery_tag, message)

        channel.basic_consume(queue, deliver)

    def serve(self, stop: threading.Event) -> None:
        """Dispatch deliveries and callbacks on this thread until ``stop`` is set."""
        assert self._connection is not None
        try:
            while not stop.is_set():
                self._connection.process_data_events(time_limit=0.5)
                # The broker can close the channel, or cancel our consumer (its queue was
                # deleted), while the connection lives on: start over rather than idle.
                if self.channel.is_closed or not self.channel.consumer_tags:
                    raise BrokerUnavailable("the broker closed the channel or cancelled consuming")
        finally:
            self._fail_pending()

    def _fail_pending(self) -> None:
        with self._pending_lock:
            pending, self._pending = self._pending, set()
        for future in pending:
            if not future.done():
                future.set_exception(BrokerUnavailable("the broker connection was lost"))


def run_connected(
    settings: Settings,
    on_open: Callable[[BrokerSession], None],
    stop: threading.Event,
    on_down: Callable[[], None] = lambda: None,
) -> None:
    """Keep a session open and serving until ``stop``, reconnecting with backoff.

    ``on_open`` declares consumers on each fresh session; ``on_down`` runs whenever the
    connection is lost, so callers can stop using it.
    """
    backoff = Backoff(settings.reconnect_max_delay)
    while not stop.is_set():
        session = BrokerSession(settings)
        try:
            session.open()
            on_open(session)
            logger.info("connected to the broker")
            backoff.reset()
            session.serve(stop)
        except (BrokerUnavailable, AMQPError) as exc:
            on_down()
            delay = backoff.next_delay()
            logger.warning("broker connection lost (%s); retrying in %.0f s", exc, delay)
            stop.wait(delay)
        finally:
            session.close()
    on_down()


def check_broker(settings: Settings) -> None:
    """Raise :class:`BrokerUnavailable` with a readable reason if the broker does not answer."""
    session = BrokerSession(settings)
    session.open()
    session.close()
