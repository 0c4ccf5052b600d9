"""Publishing from the event loop, with many confirms in flight at once (the gateway's new jobs).

A blocking channel waits for each publisher confirm before it sends the next message, so
under load every new job queues behind the confirms of all the others. Here each request
publishes at once and awaits its own confirm; RabbitMQ answers them in batches
(``Basic.Ack`` with ``multiple``). The publisher has a connection of its own, as RabbitMQ
advises: flow control blocks a publishing connection, and that must never hold up the
consumer that keeps job status current.
"""

import asyncio
import contextlib
import logging

import pika
import pika.exceptions
from pika.adapters.asyncio_connection import AsyncioConnection
from pika.channel import Channel
from pika.frame import Method
from pika.spec import Basic, BasicProperties

from common.amqp.backoff import Backoff
from common.amqp.parameters import connection_parameters
from common.amqp.properties import message_properties
from common.errors import BrokerUnavailable
from common.settings import Settings

logger = logging.getLogger(__name__)


class ConfirmingPublisher:
    def __init__(self, settings: Settings) -> None:
        self._parameters = connection_parameters(settings)
        self._backoff = Backoff(settings.reconnect_max_delay)
        self._connection: AsyncioConnection | None = None
        self._channel: Channel | None = None
        # Delivery tags count the channel's publishes from 1; futures wait in tag order.
        self._last_tag = 0
        self._unconfirmed: dict[int, asyncio.Future[None]] = {}
        self._returned: set[str] = set()
        # Set when the current connection or its channel closes; each connection has its
        # own, so a late close of the previous one cannot end the next.
        self._lost: asyncio.Event | None = None
        self._first_attempt_done = asyncio.Event()
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def is_connected(self) -> bool:
        return self._channel is not None and self._channel.is_open

    async def start(self, wait: float) -> None:
        """Start connecting; wait up to ``wait`` seconds for the first attempt to finish."""
        self._task = asyncio.create_task(self._stay_connected(), name="job-publisher")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._first_attempt_done.wait(), wait)

    async def stop(self) -> None:
        self._stop.set()
        if self._lost is not None:
            self._lost.set()
        if self._task is not None:
            await self._task

    async def publish(self, exchange: str, routing_key: str, body: bytes, timeout: float) -> None:
        """Publish persistently; return once the broker has confirmed it stored the message."""
        channel = self._channel
        if channel is None or not channel.is_open:
            raise BrokerUnavailable("not connected to the message broker")
        self._last_tag += 1
        tag = self._last_tag
        message_id = str(tag)
        confirmed = asyncio.get_running_loop().create_future()
        self._unconfirmed[tag] = confirmed
        try:
            channel.basic_publish(
                exchange, routing_key, body, message_properties(message_id), mandatory=True
            )
            await asyncio.wait_for(confirmed, timeout)
        except TimeoutError as exc:
            raise BrokerUnavailable(f"the broker did not answer within {timeout:.0f} s") from exc
        except pika.exceptions.AMQPError as exc:
            raise BrokerUnavailable(f"the broker connection was lost: {exc!r}") from exc
        finally:
            self._unconfirmed.pop(tag, None)
        # The broker returns an unroutable message before it acknowledges it.
        if message_id in self._returned:
            self._returned.discard(message_id)
            raise BrokerUnavailable("the broker refused the message: no queue is bound for it")

    async def _stay_connected(self) -> None:
        while not self._stop.is_set():
            try:
                self._lost = await self._connect()
            except BrokerUnavailable as exc:
                delay = self._backoff.next_delay()
                logger.warning("publisher cannot connect (%s); retrying in %.0f s", exc, delay)
            else:
                logger.info("publisher connected to the broker")
                self._backoff.reset()
                self._first_attempt_done.set()
                if not self._stop.is_set():
                    await self._lost.wait()
                self._disconnect()
                if self._stop.is_set():
                    return
                delay = self._backoff.next_delay()
                logger.warning("publisher lost the broker; reconnecting in %.0f s", delay)
            self._first_attempt_done.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), delay)

    async def _connect(self) -> asyncio.Event:
        """Open a connection and a confirming channel; return the event set when either closes."""
        opened: asyncio.Future[Channel] = asyncio.get_running_loop().create_future()
        lost = asyncio.Event()

        def on_connection_open(connection: pika.connection.Connection) -> None:
            connection.channel(on_open_callback=on_channel_open)

        def on_channel_open(channel: Channel) -> None:
            channel.add_on_close_callback(lambda _channel, _reason: lost.set())
            channel.add_on_return_callback(self._on_return)
            channel.confirm_delivery(self._on_confirm, callback=lambda _frame: opened_with(channel))

        def opened_with(channel: Channel) -> None:
            if not opened.done():
                opened.set_result(channel)

        def on_open_error(_connection: pika.connection.Connection, exc: BaseException) -> None:
            if not opened.done():
                opened.set_exception(BrokerUnavailable(f"cannot reach the broker: {exc!r}"))

        def on_close(connection: pika.connection.Connection, reason: BaseException) -> None:
            lost.set()
            on_open_error(connection, reason)

        self._connection = AsyncioConnection(
            self._parameters,
            on_open_callback=on_connection_open,
            on_open_error_callback=on_open_error,
            on_close_callback=on_close,
        )
        try:
            self._channel = await opened
        except BrokerUnavailable:
            self._connection = None
            raise
        self._last_tag = 0
        return lost

    def _disconnect(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None and not (connection.is_closing or connection.is_closed):
            connection.close()
        # A message without a confirm may or may not be stored; the client is told it
        # failed and can post again, which at worst makes a second video.
        for future in self._unconfirmed.values():
            if not future.done():
                future.set_exception(BrokerUnavailable("the broker connection was lost"))
        self._unconfirmed.clear()
        self._returned.clear()

    def _on_confirm(self, frame: Method) -> None:
        method = frame.method
        outcome: BaseException | None = None
        if isinstance(method, Basic.Nack):
            outcome = BrokerUnavailable("the broker refused the message (it could not store it)")
        tags = [method.delivery_tag]
        if method.multiple:
            tags = [tag for tag in self._unconfirmed if tag <= method.delivery_tag]
        for tag in tags:
            future = self._unconfirmed.get(tag)
            if future is None or future.done():
                continue
            if outcome is None:
                future.set_result(None)
            else:
                future.set_exception(outcome)

    def _on_return(
        self, _channel: Channel, _method: Basic.Return, properties: BasicProperties, _body: bytes
    ) -> None:
        if properties.message_id is not None:
            self._returned.add(properties.message_id)
