"""Queued email: written in the transaction of the step that sends it, sent
after commit and retried by `manage.py send_queued_email`. Imports no other
app; the others call `outbox.services.queue_email`.
"""
