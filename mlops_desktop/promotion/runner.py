"""Runs a journaled workflow step by step; any failure (or cancel) undoes every step begun.

A :class:`Workflow` is a sequence of :class:`Step` objects. The runner marks a step
``running`` in the journal before it acts and ``done`` after; on an error, a cancel
(:class:`~mlops_desktop.core.errors.Cancelled` between steps) or Ctrl-C it undoes, in reverse
order, every step that began — steps undo idempotently from what they recorded, so undoing a
step that never acted is harmless. Steps from ``Workflow.resume_from`` on are *redone* instead
when recovery finds them interrupted (see :mod:`.recovery`).

Fault injection: ``MLOPS_DESKTOP_CRASH_AT=<step>`` ends the process with ``os._exit`` right after
that step acted and before the journal says so (the worst moment); ``<step>:before`` ends it
after the journal marked the step running and before it acted; ``<step>:undo`` ends it right
after the step was undone during a rollback, before the journal says so;
``<step>@<seconds>`` kills the process with SIGKILL that long after the step began, or as the
step ends if that comes first (a moment *inside* the step). Read only here; tests use it to
prove recovery.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from mlops_desktop.core.audit import AuditAction
from mlops_desktop.core.errors import Cancelled, MlopsError
from mlops_desktop.promotion.context import OperationContext
from mlops_desktop.promotion.entities import (
    CRASH_ENV,
    CRASH_EXIT_CODE,
    ApprovalRequired,
    OperationKind,
    OperationResult,
    OperationState,
    StepState,
)


class Step(Protocol):
    """One step of a workflow."""

    #: Journal name of the step (also the crash-hook name).
    name: str
    #: Progress text.
    title: str

    def run(self, oc: OperationContext) -> str:
        """Act; record undo information with ``oc.remember`` first. Returns a summary."""
        ...

    def undo(self, oc: OperationContext) -> None:
        """Make the target as it was before :meth:`run`, from what it recorded (idempotent)."""
        ...


@dataclass(frozen=True, slots=True)
class Workflow:
    """The steps of one kind of operation."""

    kind: OperationKind
    steps: tuple[Step, ...]
    #: Steps from this one on are finished (redone) on recovery instead of undone: everything
    #: that can fail on the model's merit (gates, smoke test, canary) is behind them.
    resume_from: str

    @property
    def names(self) -> list[str]:
        """Step names in order."""
        return [s.name for s in self.steps]

    @property
    def resume_position(self) -> int:
        """Position of :attr:`resume_from`."""
        return self.names.index(self.resume_from)


#: The pending ``<step>@<seconds>`` kill, cancelled when its step ends first.
_kill_timer: threading.Timer | None = None


def crash_point(step: str, moment: str) -> None:
    """The documented fault-injection point (see the module docstring)."""
    global _kill_timer
    spec = os.environ.get(CRASH_ENV, "").strip()
    if not spec:
        return
    if "@" in spec:
        name, _, delay = spec.partition("@")
        if name != step:
            return
        if moment == "before":
            _kill_timer = threading.Timer(
                float(delay), os.kill, (os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))
            )
            _kill_timer.daemon = True
            _kill_timer.start()
        elif _kill_timer is not None and _kill_timer.is_alive():
            # The step ended first: die now, before the journal records it as done.
            _kill_timer.cancel()
            os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))
        return
    name, _, when = spec.partition(":")
    if name == step and (when or "after") == moment:
        os._exit(CRASH_EXIT_CODE)


def describe_error(exc: BaseException) -> str:
    """A one-line description of why a step failed."""
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    if isinstance(exc, MlopsError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _report(oc: OperationContext, done: int, total: int, message: str) -> None:
    """Progress that never raises (used while undoing, which must not be cancelled)."""
    if not oc.task.cancelled:
        with contextlib.suppress(Cancelled):
            oc.task.progress(done, total, message)


def advance(oc: OperationContext, workflow: Workflow, start: int = 0) -> OperationResult:
    """Run the steps from ``start``; on failure undo all begun steps. Returns the outcome."""
    journal = oc.journal
    total = len(workflow.steps)
    position = start
    try:
        for position in range(start, total):
            step = workflow.steps[position]
            oc.task.progress(position, total, step.title)
            journal.update_step(oc.operation_id, position, state=StepState.RUNNING)
            crash_point(step.name, "before")
            message = step.run(oc)
            crash_point(step.name, "after")
            journal.update_step(oc.operation_id, position, state=StepState.DONE, message=message)
        journal.set_state(oc.operation_id, OperationState.COMPLETED, error="")
        _report(oc, total, total, f"{workflow.kind.value} completed")
    except ApprovalRequired as exc:
        journal.update_step(oc.operation_id, position, state=StepState.DONE, message=str(exc))
        journal.set_state(oc.operation_id, OperationState.AWAITING_APPROVAL, error=str(exc))
    except (Exception, KeyboardInterrupt) as exc:
        reason = describe_error(exc)
        with contextlib.suppress(MlopsError):
            steps = journal.get(oc.operation_id).steps
            if position < len(steps) and steps[position].state is not StepState.PENDING:
                journal.update_step(
                    oc.operation_id, position, state=StepState.FAILED, message=reason
                )
        roll_back(oc, workflow, reason)
        if isinstance(exc, KeyboardInterrupt):
            raise
    return journal.get(oc.operation_id)


def roll_back(oc: OperationContext, workflow: Workflow, reason: str) -> OperationResult:
    """Undo, newest first, every step that began and is not undone yet; then audit it."""
    journal = oc.journal
    # Undoing is never blocked by a broken audit log: its records go to the quarantine log.
    oc.audit = oc.audit.for_rollback()
    retrying = journal.get(oc.operation_id).state is OperationState.ROLLBACK_FAILED
    journal.set_state(oc.operation_id, OperationState.ROLLING_BACK, error=reason)
    records = journal.get(oc.operation_id).steps
    begun = [r for r in records if r.state not in (StepState.PENDING, StepState.UNDONE)]
    failures: list[str] = []
    for n, record in enumerate(reversed(begun), start=1):
        step = workflow.steps[record.position]
        _report(oc, n, len(begun), f"undoing: {step.title}")
        journal.update_step(oc.operation_id, record.position, state=StepState.UNDOING)
        try:
            step.undo(oc)
            crash_point(step.name, "undo")
        except Exception as exc:
            problem = describe_error(exc)
            failures.append(f"{step.name}: {problem}")
            journal.update_step(
                oc.operation_id,
                record.position,
                state=StepState.UNDO_FAILED,
                message=f"undo failed: {problem}",
            )
            continue
        journal.update_step(oc.operation_id, record.position, state=StepState.UNDONE)
    if failures:
        detail = f"{reason}; rollback incomplete: {'; '.join(failures)}"
        journal.set_state(oc.operation_id, OperationState.ROLLBACK_FAILED, error=detail)
    else:
        journal.set_state(oc.operation_id, OperationState.ROLLED_BACK, error=reason)
    if not (retrying and failures):  # a retry that fails again is not news
        _audit_rolled_back(oc, reason, failures)
    return journal.get(oc.operation_id)


def _audit_rolled_back(oc: OperationContext, reason: str, failures: Sequence[str]) -> None:
    details: dict[str, Any] = {
        "operation_id": oc.operation_id,
        "kind": oc.kind.value,
        "reason": reason,
        "complete": not failures,
        "undo_failures": list(failures),
        "plan": oc.plan.to_json(),
    }
    gates = oc.recall("gates", "results")
    if gates:
        details["gates"] = gates
    action = (
        AuditAction.PROMOTION_ROLLED_BACK
        if oc.kind is OperationKind.PROMOTION
        else AuditAction.ROLLBACK_ROLLED_BACK
    )
    # The rollback itself must not fail because the audit log cannot be written.
    with contextlib.suppress(OSError, MlopsError):
        oc.audit.append(
            action,
            actor=oc.actor,
            workspace=oc.target_workspace_name,
            model=oc.plan.model,
            details=details,
        )
