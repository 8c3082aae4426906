"""The dispatcher: events from the real audit and decision logs, the job store and the outbox,
sent once per target (across dispatcher instances and threads), retried on the next run."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

from receivers import http_receiver

from mlops_desktop.core.audit import AuditAction, AuditLog
from mlops_desktop.core.notify_kinds import EventKind, Severity, TargetKind
from mlops_desktop.core.notify_settings import NotificationSettings, NotifyTarget
from mlops_desktop.notify.dispatcher import DeliveryLog, Dispatcher, notifications_dir
from mlops_desktop.notify.outbox import record_endpoint_unhealthy
from mlops_desktop.retraining.decisions import Decision, DecisionLog, Outcome, TriggerVerdict
from mlops_desktop.retraining.job_store import JobStore
from mlops_desktop.retraining.jobs import Job, JobSpec, JobStatus, Trigger


def _settings(*targets: NotifyTarget) -> NotificationSettings:
    return NotificationSettings(targets=targets)


def _hook(name: str = "ops", **kw: object) -> NotifyTarget:
    return NotifyTarget(name=name, kind=TargetKind.WEBHOOK, **kw)  # type: ignore[arg-type]


def _promote(model: str = "churn") -> None:
    AuditLog().append(
        AuditAction.PROMOTION,
        actor="ana",
        workspace="staging",
        model=model,
        details={"to": "staging", "source_version": "3"},
    )


def _kinds(rx: object) -> list[str]:
    return [r.json()["event"]["kind"] for r in rx.requests]  # type: ignore[attr-defined]


def test_an_audit_event_is_sent_once_across_instances_and_a_lost_cursor() -> None:
    with http_receiver() as rx:
        env = {"MLOPS_DESKTOP_NOTIFY_OPS": rx.hook_url()}
        Dispatcher(_settings(_hook()), environ=env).mark_present()
        _promote()
        first = Dispatcher(_settings(_hook()), environ=env).send_pending()
        # Another process (the GUI beside a CLI) runs after it: nothing new.
        second = Dispatcher(_settings(_hook()), environ=env).send_pending()
        # Even without the cursor, the delivery log keeps the event from going out again.
        (notifications_dir() / "dispatch.json").unlink()
        third = Dispatcher(_settings(_hook()), environ=env).send_pending()
    assert len(first.sent) == 1 and not second.sent and not third.sent
    assert _kinds(rx) == ["promotion.done"]
    event = rx.requests[0].json()["event"]
    record = AuditLog().records()[-1]
    assert event["id"] == f"audit:{record.hash}"
    assert event["message"] == "churn v3 promoted to staging by ana"
    (line,) = DeliveryLog().read()
    assert line.status == "sent" and line.target == "ops" and line.reply == "HTTP 200"


def test_two_dispatchers_racing_send_one_message() -> None:
    with http_receiver() as rx:
        env = {"MLOPS_DESKTOP_NOTIFY_OPS": rx.hook_url()}
        Dispatcher(_settings(_hook()), environ=env).mark_present()
        _promote()
        threads = [
            threading.Thread(target=Dispatcher(_settings(_hook()), environ=env).send_pending)
            for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(rx.requests) == 1


def test_each_target_gets_what_it_subscribed_to_at_its_severity() -> None:
    with http_receiver() as rx:
        env = {
            "MLOPS_DESKTOP_NOTIFY_ALL": rx.hook_url("/all"),
            "MLOPS_DESKTOP_NOTIFY_APPROVALS": rx.hook_url("/approvals"),
            "MLOPS_DESKTOP_NOTIFY_SERIOUS": rx.hook_url("/serious"),
        }
        settings = _settings(
            _hook("all"),
            _hook("approvals", events=(EventKind.APPROVAL_REQUESTED,)),
            _hook("serious", min_severity=Severity.ERROR),
        )
        Dispatcher(settings, environ=env).mark_present()
        _promote()
        AuditLog().append(
            AuditAction.APPROVAL_REQUESTED,
            actor="ben",
            workspace="prod",
            model="churn",
            details={"request": {"version": "3", "target_workspace": "prod"}},
        )
        AuditLog().append(
            AuditAction.PROMOTION_ROLLED_BACK,
            actor="ben",
            workspace="prod",
            model="churn",
            details={"reason": "smoke test failed", "plan": {"version": "3"}},
        )
        record_endpoint_unhealthy("prod", "churn", "deployment blue had exited; restarted")
        report = Dispatcher(settings, environ=env).send_pending()
    by_path: dict[str, list[str]] = {}
    for request in rx.requests:
        by_path.setdefault(request.path, []).append(request.json()["event"]["kind"])
    assert by_path["/all"] == [
        "promotion.done",
        "approval.requested",
        "promotion.failed",
        "endpoint.unhealthy",
    ]
    assert by_path["/approvals"] == ["approval.requested"]
    assert by_path["/serious"] == ["promotion.failed", "endpoint.unhealthy"]
    assert len(report.sent) == 7 and report.ok


def _decision(n: int, outcome: Outcome, *, drift: bool, at: datetime | None = None) -> Decision:
    verdicts = (TriggerVerdict("dataset_drift", Trigger.DRIFT, drift, "3 of 8 features drift"),)
    return Decision(
        id=f"d{n}",
        at=(at or datetime.now(UTC)).isoformat(),
        policy="churn-drift",
        model="churn",
        workspace="prod",
        outcome=outcome,
        reason="dataset drift 0.38 > 0.3" if drift else "could not read the data",
        verdicts=verdicts,
        job_id="job-1" if outcome is Outcome.FIRED else None,
    )


def test_retraining_decisions_become_fired_failed_and_drift_events() -> None:
    with http_receiver() as rx:
        env = {"MLOPS_DESKTOP_NOTIFY_OPS": rx.hook_url()}
        Dispatcher(_settings(_hook()), environ=env).mark_present()
        log = DecisionLog()
        log.append(_decision(1, Outcome.FIRED, drift=True))
        log.append(_decision(2, Outcome.COOLDOWN, drift=True))  # drift goes on: no new event
        log.append(_decision(3, Outcome.ERROR, drift=False))
        Dispatcher(_settings(_hook()), environ=env).send_pending()
    assert _kinds(rx) == ["drift.detected", "retraining.fired", "retraining.failed"]
    fired = rx.requests[1].json()["event"]
    assert fired["details"]["job_id"] == "job-1" and fired["severity"] == "info"


def test_a_failed_retraining_job_is_an_event() -> None:
    with http_receiver() as rx:
        env = {"MLOPS_DESKTOP_NOTIFY_OPS": rx.hook_url()}
        Dispatcher(_settings(_hook()), environ=env).mark_present()
        store = JobStore()
        for job_id, policy in (("job-7", "churn-drift"), ("job-8", None)):
            store.insert(
                Job(
                    id=job_id,
                    workspace="dev",
                    backend="mlflow",
                    spec=JobSpec(model="churn"),
                    policy=policy,
                    status=JobStatus.FAILED,
                    error="exit code 1",
                )
            )
        Dispatcher(_settings(_hook()), environ=env).send_pending()
        Dispatcher(_settings(_hook()), environ=env).send_pending()
    (request,) = rx.requests  # the manual job (no policy) is not a retraining event
    event = request.json()["event"]
    assert event["kind"] == "retraining.failed" and event["id"] == "job:job-7:failed"
    assert "exit code 1" in event["message"]


def test_a_first_run_sends_recent_events_only() -> None:
    log = DecisionLog()
    log.append(_decision(1, Outcome.FIRED, drift=False, at=datetime.now(UTC) - timedelta(days=2)))
    log.append(_decision(2, Outcome.FIRED, drift=False))
    with http_receiver() as rx:
        Dispatcher(
            _settings(_hook()), environ={"MLOPS_DESKTOP_NOTIFY_OPS": rx.hook_url()}
        ).send_pending()
    assert [r.json()["event"]["id"] for r in rx.requests] == ["decision:d2"]


def test_a_failed_delivery_is_retried_by_the_next_run_then_logged() -> None:
    with http_receiver([(503, {})]) as rx:
        env = {"MLOPS_DESKTOP_NOTIFY_OPS": rx.hook_url()}
        target = _hook(attempts=1)
        Dispatcher(_settings(target), environ=env).mark_present()
        _promote()
        first = Dispatcher(_settings(target), environ=env).send_pending()
        assert not first.ok and first.failed[0].status == "failed"
        second = Dispatcher(_settings(target), environ=env).send_pending()
        third = Dispatcher(_settings(target), environ=env).send_pending()
    assert len(second.sent) == 1 and not third.sent and not third.failed
    assert [d.status for d in DeliveryLog().read()] == ["failed", "sent"]
    assert "503" in DeliveryLog().read()[0].error
    assert json.loads((notifications_dir() / "dispatch.json").read_text())["retry"] == {}


def test_disabled_notifications_send_nothing() -> None:
    with http_receiver() as rx:
        env = {"MLOPS_DESKTOP_NOTIFY_OPS": rx.hook_url()}
        settings = NotificationSettings(enabled=False, targets=(_hook(),))
        Dispatcher(settings, environ=env).mark_present()
        _promote()
        Dispatcher(settings, environ=env).send_pending()
        paused = _settings(_hook(enabled=False))
        _promote("other")
        Dispatcher(paused, environ=env).send_pending()
    assert rx.requests == []


def test_a_target_added_later_gets_only_what_happens_after_it() -> None:
    with http_receiver() as rx:
        env = {
            "MLOPS_DESKTOP_NOTIFY_OLD": rx.hook_url("/old"),
            "MLOPS_DESKTOP_NOTIFY_NEW": rx.hook_url("/new"),
        }
        Dispatcher(_settings(_hook("old")), environ=env).mark_present()
        _promote("before")  # not dispatched yet when "new" is added
        both = _settings(_hook("old"), _hook("new"))
        Dispatcher(both, environ=env).mark_present(["new"])
        _promote("after")
        Dispatcher(both, environ=env).send_pending()
    sent = sorted((r.path, r.json()["event"]["model"]) for r in rx.requests)
    assert sent == [("/new", "after"), ("/old", "after"), ("/old", "before")]


def test_the_watchdogs_findings_become_endpoint_events_a_failure_once_a_day() -> None:
    from mlops_desktop.notify.outbox import Outbox, record_heal_reports
    from mlops_desktop.serving.heal import HealReport

    report = HealReport(
        "staging",
        2,
        restarted=("deployment blue of endpoint churn-api had exited; restarted",),
        failures=("endpoint fraud: port 8123 is taken",),
    )
    assert record_heal_reports([report]) == 2
    assert record_heal_reports([HealReport("staging", 2, failures=report.failures)]) == 0
    events = Outbox().read()
    assert [e.kind.value for e in events] == ["endpoint.unhealthy"] * 2
    assert events[0].details["endpoint"] == "churn-api" and events[0].workspace == "staging"
    assert (
        events[1].message
        == "Endpoint fraud in staging: could not restart: endpoint fraud: port 8123 is taken"
    )


def test_two_processes_and_this_one_send_one_message(app_home) -> None:
    """The window and CLI runs in CI are separate processes: the file lock and the delivery log
    still let exactly one of them send the event."""
    import os
    import subprocess
    import sys

    from mlops_desktop.core.settings import Settings, save_settings

    settings = _settings(_hook())
    save_settings(Settings(notifications=settings))
    with http_receiver() as rx:
        import mlops_desktop

        root = os.path.dirname(os.path.dirname(mlops_desktop.__file__))  # this checkout's code
        env = {
            **os.environ,
            "MLOPS_DESKTOP_NOTIFY_OPS": rx.hook_url(),
            "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]),
        }
        Dispatcher(settings).mark_present()
        _promote()
        code = (
            "from mlops_desktop.core.settings import load_settings\n"
            "from mlops_desktop.notify.dispatcher import Dispatcher\n"
            "print(len(Dispatcher(load_settings().notifications).send_pending().sent))\n"
        )
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True
            )
            for _ in range(2)
        ]
        here = Dispatcher(settings, environ={"MLOPS_DESKTOP_NOTIFY_OPS": rx.hook_url()})
        counts = [len(here.send_pending().sent)]
        counts += [int(p.communicate(timeout=120)[0].strip()) for p in procs]
    assert sorted(counts) == [0, 0, 1]
    assert len(rx.requests) == 1
