"""Job submission (``PUT jobs/NAME``) and cancellation (``POST jobs/NAME/cancel``, an LRO).

A submitted job starts ``NotStarted``; tests move it on with :meth:`JobWrites.set_status`
(``Running`` records ``StartTimeUtc``, terminal states ``EndTimeUtc`` in its properties, as Azure
ML does). Cancelling answers 202 and the job turns ``Canceled`` when the operation completes.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from .dataset import WorkspaceData
from .operations import Operations
from .reads import Reader
from .responses import Response, system_data, user_error

_TERMINAL = {"Completed", "Failed", "Canceled"}


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")


class JobWrites:
    """What a test may do to jobs."""

    def __init__(self, operations: Operations, reader: Reader) -> None:
        self.operations = operations
        self.reader = reader
        #: Statuses a submitted job takes, one per read of it (e.g. Running, Completed):
        #: a deterministic job life for tests that wait for a job.
        self.progression: list[str] = []
        self._reads: dict[str, int] = {}

    def advance_on_read(self, ws: WorkspaceData, name: str) -> None:
        """Move a job submitted here one step along :attr:`progression` (``GET jobs/NAME``)."""
        with self.operations.lock:
            job = _named(ws.collection("jobs"), name)
            if job is None or not self.progression or name not in self._reads:
                return
            step = self._reads[name]
            if step < len(self.progression):
                _set_status(job, self.progression[step])
                self._reads[name] = step + 1

    def put_job(
        self, ws: WorkspaceData, segments: tuple[str, ...], body: bytes, who: str
    ) -> Response:
        """Create a job (a new name) as ``NotStarted``; an existing one may not be replaced."""
        name = segments[1]
        try:
            payload = json.loads(body or b"{}")
            props = payload["properties"]
        except (ValueError, KeyError, TypeError):
            return user_error("The request body is not a valid job.", inner="BadArgument")
        if not props.get("jobType") or (props["jobType"] == "Command" and not props.get("command")):
            return user_error("A command job needs jobType and command.", inner="BadArgument")
        compute = str(props.get("computeId") or "")
        if compute and not _named(ws.collection("computes"), compute.rsplit("/", 1)[-1]):
            return user_error(f"Compute {compute} not found.", inner="NotFound")
        now = _now()
        with self.operations.lock:
            jobs = ws.ensure_collection("jobs")
            if _named(jobs, name):
                return Response(
                    409,
                    {"error": {"code": "UserError", "message": f"Job {name} already exists."}},
                )
            stored: dict[str, Any] = {
                "name": name,
                "properties": {
                    **props,
                    "status": "NotStarted",
                    "isArchived": False,
                    "services": {
                        "Studio": {
                            "jobServiceType": "Studio",
                            "endpoint": "${baseUrl}/runs/" + name + "?wsid=${workspaceId}",
                        }
                    },
                },
                "systemData": system_data(now, who),
            }
            jobs.append(stored)
            self._reads[name] = 0
        return Response(201, self.reader.present(ws, "jobs", stored))

    def cancel(self, ws: WorkspaceData, segments: tuple[str, ...], version: str) -> Response:
        """``POST jobs/NAME/cancel``: 202, then ``Canceled`` (a finished job: 400, as Azure)."""
        with self.operations.lock:
            job = _named(ws.collection("jobs"), segments[1])
            if job is None:
                return self.reader.not_found(ws, segments[:2])
            if job["properties"].get("status") in _TERMINAL:
                return user_error(
                    f"Job {job['name']} is already {job['properties']['status']}.",
                    inner="BadArgument",
                )
            job["properties"]["status"] = "CancelRequested"

            def done(job: dict[str, Any] = job) -> None:
                _set_status(job, "Canceled")

            headers = self.operations.start_locked(ws, version, done)
        return Response(202, None, {**headers, "Location": headers["Azure-AsyncOperation"]})

    def put_schedule(
        self, ws: WorkspaceData, segments: tuple[str, ...], body: bytes, who: str, version: str
    ) -> Response:
        """``PUT schedules/NAME`` (create, replace, enable/disable): an LRO, as Azure ML's."""
        name = segments[1]
        try:
            payload = json.loads(body or b"{}")
            props = payload["properties"]
            trigger = props["trigger"]
        except (ValueError, KeyError, TypeError):
            return user_error("The request body is not a valid schedule.", inner="BadArgument")
        kind = trigger.get("triggerType")
        if kind == "Cron" and len(str(trigger.get("expression", "")).split()) != 5:
            return user_error(
                f"Invalid cron expression '{trigger.get('expression')}'.", inner="BadArgument"
            )
        if kind not in ("Cron", "Recurrence"):
            return user_error(f"Unknown trigger type '{kind}'.", inner="BadArgument")
        now = _now()
        with self.operations.lock:
            schedules = ws.ensure_collection("schedules")
            stored = _named(schedules, name)
            if stored is None:
                stored = {
                    "name": name,
                    "systemData": {"createdAt": now, "createdBy": who, "createdByType": "User"},
                }
                schedules.append(stored)
            stored["properties"] = {**props, "provisioningState": "Updating"}
            stored["systemData"].update(
                lastModifiedAt=now, lastModifiedBy=who, lastModifiedByType="User"
            )

            def done(schedule: dict[str, Any] = stored) -> None:
                schedule["properties"]["provisioningState"] = "Succeeded"

            headers = self.operations.start_locked(ws, version, done)
        return Response(201, self.reader.present(ws, "schedules", stored), headers)

    def set_status(self, ws: WorkspaceData, name: str, status: str) -> None:
        """Move a job on (``Running``, ``Completed``, …), as the service would."""
        with self.operations.lock:
            job = _named(ws.collection("jobs"), name)
            if job is None:
                raise KeyError(name)
            _set_status(job, status)


def _set_status(job: dict[str, Any], status: str) -> None:
    props = job["properties"]
    props["status"] = status
    extra = props.setdefault("properties", {})
    if status == "Running":
        extra.setdefault("StartTimeUtc", _now())
    if status in _TERMINAL:
        extra.setdefault("StartTimeUtc", _now())
        extra["EndTimeUtc"] = _now()


def _named(items: list[dict[str, Any]] | None, name: str) -> dict[str, Any] | None:
    return next((i for i in items or [] if str(i["name"]).lower() == name.lower()), None)
