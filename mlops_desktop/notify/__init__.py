"""Notifications that leave the app: webhooks (generic JSON, Slack, Teams) and SMTP e-mail.

Qt-free. :mod:`.events` turns audit records, retraining decisions, failed retraining jobs and
the outbox (endpoint health) into :class:`~.events.NotifyEvent` s; :mod:`.payloads` shapes them
per target kind; :mod:`.delivery` sends them with retries; :mod:`.dispatcher` reads what is new
since its cursor and sends each event once per target, whichever process (GUI, CLI) runs it.
"""
