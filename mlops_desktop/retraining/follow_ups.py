"""What runs after a job ended: link its MLflow run, then (on success) promote the new version.

The promotion follow-up hands the new version to the promotion flow::

    mlops_desktop.promotion.promote.promote_model_version(
        model, version, source=WORKSPACE, target=PROMOTE_TO, actor=…
    ) -> OperationResult

which runs its gates and stops at the first stage that needs approval (``awaiting-approval``,
recorded with the approval request id). When the promotion package or that function is not
there, nothing is promoted and the follow-up records why. The module is looked up at run time,
so retraining carries no import-time dependency on promotion.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from mlops_desktop.core.errors import MlopsError
from mlops_desktop.retraining.job_store import JobStore
from mlops_desktop.retraining.jobs import LINK_RUN_ACTION, PROMOTE_ACTION, Job, JobStatus

PROMOTION_MODULE = "mlops_desktop.promotion.promote"
PROMOTION_FUNCTION = "promote_model_version"

Log = Callable[[str], None]


def run_follow_ups(store: JobStore, job_id: str, log: Log = lambda _text: None) -> Job:
    """Run the job's pending follow-ups in order, recording each outcome."""
    job = store.get(job_id)
    link = job.follow_up(LINK_RUN_ACTION)
    if link is not None and link.state == "pending":
        job = _link(store, job, log)
    promote = job.follow_up(PROMOTE_ACTION)
    if promote is not None and promote.state == "pending":
        job = _promote(store, job, promote.target, log)
    return job


def _link(store: JobStore, job: Job, log: Log) -> Job:
    from mlops_desktop.retraining.run_link import link_run

    try:
        link = link_run(job)
    except Exception as exc:  # the job's outcome stands; the link is best effort
        note = f"{type(exc).__name__}: {exc}"
        log(f"no MLflow run linked: {note}")
        return store.update(job.id, lambda j: j.with_follow_up(LINK_RUN_ACTION, "failed", note))
    registered = f" -> {link.registered_model} v{link.version}" if link.version else ""
    log(f"MLflow run {link.run_id} ({link.run_status}){registered}")
    return store.update(
        job.id,
        lambda j: j.replace(
            run_id=link.run_id,
            registered_model=link.registered_model or j.registered_model,
            model_version=link.version,
        ).with_follow_up(LINK_RUN_ACTION, "done", f"run {link.run_id}{registered}"),
    )


def _promote(store: JobStore, job: Job, target: str, log: Log) -> Job:
    state, note = promote_new_version(job, target)
    log(f"promotion to {target}: {state}: {note}")
    return store.update(job.id, lambda j: j.with_follow_up(PROMOTE_ACTION, state, note))


def promote_new_version(job: Job, target: str) -> tuple[str, str]:
    """Hand the job's new version to the promotion flow; returns (state, note)."""
    if job.status is not JobStatus.SUCCEEDED:
        return "skipped", f"the job {job.status.value}"
    model = job.spec.model or job.registered_model
    if not job.model_version or not model:
        return "skipped", "the job registered no model version"
    try:
        module = importlib.import_module(PROMOTION_MODULE)
    except ImportError as exc:
        return "skipped", f"the promotion package is not available ({exc})"
    promote = getattr(module, PROMOTION_FUNCTION, None)
    if promote is None:
        return "skipped", f"{PROMOTION_MODULE} has no {PROMOTION_FUNCTION}(): nothing promoted"
    try:
        result = promote(
            model,
            job.model_version,
            source=job.workspace,
            target=target,
            actor=f"retraining job {job.id} ({job.submitted_by or 'unknown'})",
        )
    except Exception as exc:
        if type(exc).__name__ == "ApprovalRequired":
            request = getattr(exc, "request_id", "")
            return "awaiting-approval", f"{exc} (approval request {request})"
        if isinstance(exc, MlopsError):
            return "failed", str(exc)
        return "failed", f"{type(exc).__name__}: {exc}"
    state = str(getattr(getattr(result, "state", None), "value", getattr(result, "state", "")))
    summary = f"operation {getattr(result, 'id', '?')}: {state}"
    if state in ("completed", "unchanged"):
        return "done", summary
    if state == "awaiting-approval":
        approval = getattr(result, "approval_id", None)
        return "awaiting-approval", f"{summary} (approval request {approval})"
    error = getattr(result, "error", "")
    return "failed", f"{summary}{': ' + error if error else ''}"
