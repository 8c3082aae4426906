"""Promotion workflow (Qt-free): gates, copy, deploy, smoke test, traffic, aliases, audit;
approvals, journal, crash recovery and one-click rollback. See docs/promotion.md.

Entry points (import the modules; this package imports nothing heavy):

- :func:`mlops_desktop.promotion.promote.promote_model_version`
- :func:`mlops_desktop.promotion.rollback.rollback_model`
- :func:`mlops_desktop.promotion.recovery.recover_promotions` (call at app/CLI start)
- :mod:`mlops_desktop.promotion.approvals` (list, approve, reject)
- :class:`mlops_desktop.promotion.journal.Journal` (history of operations and steps)
"""
