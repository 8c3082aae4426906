"""Azure ML's run history service and the job log files, as azure-ai-ml 1.35 reaches them.

``ml_client.jobs.stream(name)`` and the app's log reader take this path:

1. ARM ``GET …/workspaces/NAME`` → ``properties.discoveryUrl`` (``${baseUrl}/discovery``);
2. ``GET /discovery`` (anonymous): the regional service base URLs; ``api`` is the run history
   host, here this server;
3. ``GET /history/v1.0/subscriptions/S/resourceGroups/G/providers/
   Microsoft.MachineLearningServices/workspaces/W/runs/NAME/details`` (bearer token, RBAC
   ``workspaces/experiments/runs/read``; ``api-version=v1.0``, as in the path): the run's
   status and ``logFiles``, each log file name mapped to a read-only SAS URL;
4. ``GET`` of a SAS URL (no token: the signature is the credential); ``Range: bytes=N-``
   answers 206/416 as Blob storage does, so a follower can fetch only what is new.

Blob URLs are path-style (``/<account>/azureml/ExperimentRun/dcid.NAME/FILE``), the form Azure
Storage uses for IP endpoints, with the workspace's storage account as ``<account>``.

A job's log grows while it runs: a running job first shows :data:`INITIAL_LINES` lines of its
training output and every run-details read reveals :data:`STEP_LINES` more; a finished job shows
all of it, with a traceback when it failed and a SIGTERM note when it was cancelled. Reads of
run details move a job submitted here along ``JobWrites.progression``, as ``GET jobs/NAME`` does.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
import threading
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from .dataset import Dataset, WorkspaceData, substitute
from .job_writes import JobWrites
from .reads import Reader
from .responses import Response, mfe_error

#: RBAC action of reading a run (its details, its log file list).
RUNS_READ = "Microsoft.MachineLearningServices/workspaces/experiments/runs/read"
INITIAL_LINES = 5
STEP_LINES = 2
SAS_VERSION = "2019-07-07"
HISTORY_VERSION = "v1.0"
#: Lifetime of the SAS URLs in ``logFiles``; tests may shorten it to see expiry.
SAS_LIFETIME = dt.timedelta(hours=8)

DISCOVERY_PATH = "/discovery"
_DETAILS_RE = re.compile(
    r"^/history/v1\.0/subscriptions/(?P<sub>[^/]+)/resourcegroups/(?P<rg>[^/]+)/providers/"
    r"microsoft\.machinelearningservices/workspaces/(?P<ws>[^/]+)/runs/(?P<run>[^/]+)/details$",
    re.IGNORECASE,
)
_BLOB_RE = re.compile(
    r"^/(?P<account>[a-z0-9]{3,24})/azureml/ExperimentRun/dcid\.(?P<run>[^/]+)/(?P<file>.+)$"
)
_RANGE_RE = re.compile(r"^bytes=(?P<start>\d+)-(?P<end>\d*)$")
_NOT_STARTED = {"NotStarted", "Queued"}
_STARTING = {"Preparing", "Provisioning", "Starting"}
_TERMINAL = {"Completed", "Failed", "Canceled", "NotResponding"}
USER_LOG = "user_logs/std_log.txt"
LIFECYCLER_LOG = "system_logs/lifecycler/lifecycler.log"
CAPABILITY_LOG = "system_logs/cs_capability/cs-capability.log"


def is_run_history_path(path: str) -> bool:
    """True for the run history service's paths (served after token checks)."""
    return path.lower().startswith("/history/")


class RunHistory:
    """Discovery, run details and the log blobs of every workspace in ``dataset``."""

    def __init__(
        self,
        dataset: Dataset,
        reader: Reader,
        jobs: JobWrites,
        unknown: Callable[[str, str, dict[str, str], str], None],
    ) -> None:
        self.dataset = dataset
        self.reader = reader
        self.jobs = jobs
        self._unknown = unknown
        self._key = secrets.token_bytes(32)  # signs the SAS URLs of this server only
        self._lock = threading.Lock()
        self._revealed: dict[str, int] = {}
        self.sas_lifetime = SAS_LIFETIME

    # -- anonymous routes: discovery and SAS blob reads ---------------------------------------

    def anonymous(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str]
    ) -> Response | None:
        """The answer to a request that needs no token, or None when it is not one."""
        if path == DISCOVERY_PATH and method == "GET":
            return Response(200, self._discovery())
        blob = _BLOB_RE.match(path)
        if blob is None:
            return None
        if method != "GET":
            return _storage_error(
                405, "UnsupportedHttpVerb", "The resource doesn't support the verb."
            )
        return self._blob(blob, path, query, headers)

    def _discovery(self) -> dict[str, str]:
        base = self.reader.base_url
        # The shape of https://<region>.api.azureml.ms/discovery, every service on this server.
        return {
            "api": base,
            "catalog": base,
            "experimentation": base,
            "gallery": base,
            "history": base,
            "hyperdrive": base,
            "labeling": base,
            "modelmanagement": base,
            "pipelines": base,
            "studio": base,
        }

    # -- run details --------------------------------------------------------------------------

    def route(
        self, method: str, path: str, query: dict[str, str], claims: dict[str, Any]
    ) -> Response:
        """A run history request of a signed-in caller."""
        match = _DETAILS_RE.match(path)
        # The run history client repeats its path version as ``api-version=v1.0``.
        if match is None or method != "GET" or query.get("api-version") != HISTORY_VERSION:
            self._unknown(method, path, query, "unmodelled run history route")
            return Response(404, mfe_error("UserError", f"No route for {method} {path}."))
        ws = self.dataset.workspace(match["sub"], match["rg"], match["ws"])
        if ws is None:
            return Response(
                404,
                _history_error(f"Workspace {match['ws']} was not found.", "WorkspaceNotFound"),
            )
        if not self.dataset.is_allowed(str(claims.get("oid")), RUNS_READ, ws.arm_id):
            who = str(claims.get("upn") or claims.get("appid") or claims.get("oid") or "")
            message = (
                f"The client '{who}' with object id '{claims.get('oid')}' does not have "
                f"authorization to perform action '{RUNS_READ}' over scope '{ws.arm_id}' or the "
                "scope is invalid. If access was recently granted, please refresh your credentials."
            )
            return Response(403, _history_error(message, "AuthorizationFailed", ws.location))
        run = match["run"]
        self.jobs.advance_on_read(ws, run)
        with self.jobs.operations.lock:
            job = _named(ws.collection("jobs"), run)
            if job is None:
                return Response(
                    404, _history_error(f"Run {run} was not found", "RunNotFound", ws.location)
                )
            status = str(job["properties"].get("status", ""))
            details = self._details(ws, job, status)
            if status in ("Running", "Finalizing"):
                self._reveal(ws, job, STEP_LINES)  # the next read sees more
        return Response(200, details)

    def _details(self, ws: WorkspaceData, job: dict[str, Any], status: str) -> dict[str, Any]:
        variables = self.reader.workspace_variables(ws)
        props = job["properties"]
        extra = props.get("properties") or {}
        name = str(job["name"])
        system = job.get("systemData") or {}
        principal = next(
            (
                p
                for p in self.dataset.principals.values()
                if p.get("upn") == system.get("createdBy")
            ),
            {},
        )
        failed = status == "Failed"
        compute = str(props.get("computeId") or "").rsplit("/", 1)[-1]
        return substitute(
            {
                "runId": name,
                "runUuid": str(uuid.uuid5(uuid.NAMESPACE_URL, ws.arm_id + "/" + name)),
                "parentRunUuid": None,
                "rootRunUuid": str(uuid.uuid5(uuid.NAMESPACE_URL, ws.arm_id + "/" + name)),
                "target": compute,
                "status": status,
                "parentRunId": None,
                "createdTimeUtc": system.get("createdAt"),
                "startTimeUtc": extra.get("StartTimeUtc"),
                "endTimeUtc": extra.get("EndTimeUtc"),
                "error": _failure() if failed else None,
                "warnings": None,
                "tags": dict(props.get("tags") or {}),
                "properties": {k: str(v) for k, v in extra.items()},
                "parameters": {},
                "services": {},
                "inputDatasets": [],
                "outputDatasets": [],
                "runDefinition": None,
                "logFiles": self._log_urls(ws, job, status),
                "jobCost": None,
                "revision": 3,
                "runTypeV2": {
                    "orchestrator": None,
                    "traits": ["azureml.commandjob"],
                    "attribution": None,
                    "computeType": "AmlcTrain",
                },
                "settings": {},
                "computeRequest": {"nodeCount": 1, "gpuCount": 0},
                "compute": {"target": compute, "targetType": "AmlCompute"} if compute else None,
                "createdBy": {
                    "userObjectId": principal.get("oid"),
                    "userTenantId": self.dataset.tenant_id,
                    "userName": principal.get("name") or system.get("createdBy"),
                    "upn": system.get("createdBy"),
                },
                "computeDuration": None,
                "runNumber": int(hashlib.sha256(name.encode()).hexdigest()[:6], 16) % 100_000,
                "rootRunId": name,
                "userId": principal.get("oid"),
                "statusRevision": 3,
            },
            variables,
        )

    def _log_urls(self, ws: WorkspaceData, job: dict[str, Any], status: str) -> dict[str, str]:
        if status in _NOT_STARTED:
            return {}
        files = [LIFECYCLER_LOG]
        if status not in _STARTING:
            files = [USER_LOG, CAPABILITY_LOG, LIFECYCLER_LOG]
        account = _account(ws)
        return {f: self._sas_url(account, str(job["name"]), f) for f in files}

    # -- SAS URLs and blob reads --------------------------------------------------------------

    def _sas_url(self, account: str, run: str, file: str) -> str:
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        start = _stamp(now - dt.timedelta(minutes=10))
        expiry = _stamp(now + self.sas_lifetime)
        path = f"/{account}/azureml/ExperimentRun/dcid.{run}/{file}"
        query = {"sv": SAS_VERSION, "sr": "b", "sp": "r", "st": start, "se": expiry}
        query["sig"] = self._sign(path, start, expiry)
        return f"{self.reader.base_url}{quote(path)}?{urlencode(query)}"

    def _sign(self, path: str, start: str, expiry: str) -> str:
        to_sign = "\n".join(["r", start, expiry, "/blob" + path, SAS_VERSION])
        digest = hmac.new(self._key, to_sign.encode("utf-8"), hashlib.sha256).digest()
        return base64.b64encode(digest).decode("ascii")

    def _blob(
        self, match: re.Match[str], path: str, query: dict[str, str], headers: dict[str, str]
    ) -> Response:
        start, expiry = query.get("st", ""), query.get("se", "")
        expected = self._sign(path, start, expiry)
        if not hmac.compare_digest(expected, query.get("sig", "")):
            return _storage_error(
                403,
                "AuthenticationFailed",
                "Server failed to authenticate the request. Make sure the value of Authorization "
                "header is formed correctly including the signature.",
                "Signature did not match.",
            )
        now = dt.datetime.now(dt.UTC)
        if _parse(expiry) <= now:
            return _storage_error(
                403,
                "AuthenticationFailed",
                "Server failed to authenticate the request. Make sure the value of Authorization "
                "header is formed correctly including the signature.",
                f"Signed expiry time [{expiry}] has to be after current time [{_stamp(now)}]",
            )
        content = self._content(match["account"], match["run"], match["file"])
        if content is None:
            return _storage_error(404, "BlobNotFound", "The specified blob does not exist.")
        return _ranged(content, headers.get("x-ms-range") or headers.get("range") or "")

    def _content(self, account: str, run: str, file: str) -> bytes | None:
        ws = next((w for w in self.dataset.workspaces if _account(w) == account.lower()), None)
        if ws is None:
            return None
        with self.jobs.operations.lock:
            job = _named(ws.collection("jobs"), run)
            if job is None:
                return None
            status = str(job["properties"].get("status", ""))
            if file not in self._log_urls(ws, job, status):
                return None
            revealed = self._reveal(ws, job, 0)
            lines = log_lines(job, file, status, revealed)
        return "".join(line + "\n" for line in lines).encode("utf-8")

    def _reveal(self, ws: WorkspaceData, job: dict[str, Any], more: int) -> int:
        """Lines of the training output shown so far (``more`` added); callers hold the lock."""
        key = f"{ws.arm_id.lower()}/{str(job['name']).lower()}"
        with self._lock:
            shown = self._revealed.get(key, INITIAL_LINES) + more
            self._revealed[key] = min(shown, len(_training_output(job)))
            return self._revealed[key]


# -- log content ------------------------------------------------------------------------------


def log_lines(job: dict[str, Any], file: str, status: str, revealed: int) -> list[str]:
    """The lines of ``file`` of ``job`` in ``status`` with ``revealed`` training lines shown."""
    body = _training_output(job)
    if file == USER_LOG:
        if status == "Completed":
            return [*body, "Training finished: model saved to outputs/model"]
        if status in ("Failed", "NotResponding"):
            return [*body[: max(revealed, len(body) * 3 // 5)], *_traceback(job)]
        if status == "Canceled":
            return [*body[:revealed], "Received SIGTERM: the job was cancelled, stopping."]
        return body[:revealed]
    started = _start_time(job)
    stamps = [_stamp(started + dt.timedelta(seconds=7 * i)) for i in range(8)]
    if file == CAPABILITY_LOG:
        return [
            f"{stamps[0]} INFO cs-capability: mounting inputs",
            f"{stamps[1]} INFO cs-capability: mounted training_data (ReadOnlyMount)",
            f"{stamps[2]} INFO cs-capability: outputs mounted at /mnt/azureml/outputs",
        ]
    lines = [
        f"{stamps[0]} INFO lifecycler: job {job['name']} assigned to node tvmps_0",
        f"{stamps[1]} INFO lifecycler: pulling image for environment sklearn-1.5:4",
    ]
    if status in _STARTING:
        return lines
    lines.append(f"{stamps[2]} INFO lifecycler: user process started (pid 117)")
    if status in _TERMINAL:
        code = {"Completed": 0, "Canceled": -15}.get(status, 1)
        lines.append(f"{stamps[7]} INFO lifecycler: user process exited with code {code}")
    return lines


def _training_output(job: dict[str, Any]) -> list[str]:
    """What a training script of the data set prints, from the job's own inputs and metrics."""
    props = job["properties"]
    inputs = props.get("inputs") or {}
    literal = {k: v.get("value") for k, v in inputs.items() if v.get("jobInputType") == "literal"}
    metrics = {
        k.removeprefix("mlops.metric."): v
        for k, v in (props.get("properties") or {}).items()
        if k.startswith("mlops.metric.")
    }
    rounds = int(str(literal.get("n_estimators") or 500))
    seed = int(hashlib.sha256(str(job["name"]).encode()).hexdigest()[:8], 16)
    final = float(metrics.get("rmse", 0.30 + (seed % 40) / 1000))
    lines = [
        "Loading training data from /mnt/azureml/cr/j/inputs/training_data",
        f"Loaded {30_000 + seed % 20_000} rows, 23 features (target: churned)",
        "Parameters: " + " ".join(f"{k}={v}" for k, v in sorted(literal.items())),
        f"MLflow run {job['name']} in experiment {props.get('experimentName') or 'Default'}",
    ]
    for step in range(1, 11):
        loss = final + (10 - step) * 0.021
        lines.append(
            f"[{rounds * step // 10:>5}/{rounds}] train_rmse={loss - 0.012:.4f} "
            f"valid_rmse={loss:.4f}"
        )
    summary = " ".join(f"{k}={float(v):.4f}" for k, v in sorted(metrics.items()))
    lines.append(f"Evaluation: {summary or f'rmse={final:.4f}'}")
    lines.append("Logged model to MLflow (artifact path: model)")
    return lines


def _traceback(job: dict[str, Any]) -> list[str]:
    return [
        "Traceback (most recent call last):",
        '  File "/mnt/azureml/cr/j/exe/wd/train.py", line 88, in <module>',
        "    main()",
        '  File "/mnt/azureml/cr/j/exe/wd/train.py", line 61, in main',
        "    model.fit(features, target)",
        "MemoryError: Unable to allocate 2.31 GiB for an array with shape (48210, 6432) "
        "and data type float64",
    ]


def _failure() -> dict[str, Any]:
    return {
        "error": {
            "code": "UserError",
            "message": "Execution failed. User process 'python' exited with status code 1. "
            "Please check log file 'user_logs/std_log.txt' for error details.",
            "innerError": {"code": "UserProcessFailed"},
        },
        "correlation": None,
        "componentName": "CommonRuntime",
    }


def _history_error(message: str, inner: str, location: str = "") -> dict[str, Any]:
    body = mfe_error("UserError", message, inner=inner, location=location)
    body["componentName"] = "run-history"
    return body


def _storage_error(status: int, code: str, message: str, detail: str = "") -> Response:
    request = uuid.uuid4()
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")
    extra = f"<AuthenticationErrorDetail>{detail}</AuthenticationErrorDetail>" if detail else ""
    xml = (
        '\ufeff<?xml version="1.0" encoding="utf-8"?><Error>'
        f"<Code>{code}</Code><Message>{message}\nRequestId:{request}\nTime:{now}</Message>"
        f"{extra}</Error>"
    )
    headers = {"Content-Type": "application/xml", "x-ms-error-code": code}
    return Response(status, xml.encode("utf-8"), headers)


def _ranged(content: bytes, header: str) -> Response:
    headers = {
        "Content-Type": "application/octet-stream",
        "Accept-Ranges": "bytes",
        "x-ms-blob-type": "AppendBlob",
        "x-ms-version": SAS_VERSION,
        "ETag": '"0x' + hashlib.sha256(content).hexdigest()[:15].upper() + '"',
    }
    match = _RANGE_RE.match(header.strip())
    if not header or match is None:
        return Response(200, content, headers)
    start = int(match["start"])
    end = min(int(match["end"]) if match["end"] else len(content) - 1, len(content) - 1)
    if start >= len(content):
        return _storage_error(
            416,
            "InvalidRange",
            "The range specified is invalid for the current size of the resource.",
        )
    headers["Content-Range"] = f"bytes {start}-{end}/{len(content)}"
    return Response(206, content[start : end + 1], headers)


def _account(ws: WorkspaceData) -> str:
    return (
        str(ws.resource.get("properties", {}).get("storageAccount", "")).rsplit("/", 1)[-1].lower()
    )


def _start_time(job: dict[str, Any]) -> dt.datetime:
    extra = job["properties"].get("properties") or {}
    raw = extra.get("StartTimeUtc") or (job.get("systemData") or {}).get("createdAt")
    return _parse(str(raw)) if raw else dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def _stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(value: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return dt.datetime.min.replace(tzinfo=dt.UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _named(items: list[dict[str, Any]] | None, name: str) -> dict[str, Any] | None:
    return next((i for i in items or [] if str(i["name"]).lower() == name.lower()), None)
