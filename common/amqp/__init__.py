"""The project's one AMQP client, shared by the stage services and the gateway.

- :mod:`.parameters`, :mod:`.properties`, :mod:`.backoff`: how every connection is opened,
  how every message is marked, and how long to wait before connecting again.
- :mod:`.topology`: the exchanges and queues, declared identically by every process.
- :mod:`.session`: a thread-owned confirming connection that consumes (the stages, the
  gateway's progress queue).
- :mod:`.publisher`: an asyncio connection that publishes with many confirms in flight
  (the gateway's new jobs).
"""
