"""The steps of the promotion and rollback workflows, one module per concern.

Each step records what it needs with ``OperationContext.remember`` before acting, and undoes
itself idempotently from that record.
"""
