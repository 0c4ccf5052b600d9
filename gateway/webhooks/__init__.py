"""Webhooks: signed job events POSTed to a client's URL, durably, by the gateway.

The job store enqueues an event in the same transaction as the status change that makes it
(:mod:`.table`), so each event is stored once however many gateway processes consume
progress; a :class:`~gateway.webhooks.deliverer.WebhookDeliverer` in each process claims due
deliveries one at a time and sends them (:mod:`.sender`), signed (:mod:`.events`), to
addresses checked at intake and again when connecting (:mod:`.urls`).
"""
