"""Azure ML job logs: read a job's log files, or follow a running job until it ends.

A mixin of :class:`~mlops_desktop.backends.azureml.backend.AzureMlBackend`. azure-ai-ml has no
public call that returns log text: ``jobs.stream`` prints to stdout until the job ends. This
module makes the calls ``jobs.stream`` makes, through the SDK's own clients: the run history
details of the job (its status and ``logFiles``, file name -> SAS URL; the run history host
comes from the workspace's discovery URL) and a GET of each log file through the SDK's HTTP
pipeline. Unlike ``stream``, it asks for ``Range: bytes=N-`` so a follower downloads only new
text, yields it instead of printing, and stops when cancelled.
"""

from __future__ import annotations

import codecs
import contextlib
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mlops_desktop.core.errors import NotFound
from mlops_desktop.core.tasks import TaskContext

if TYPE_CHECKING:
    from mlops_desktop.core.azure_settings import AzureSettings
    from mlops_desktop.core.config import WorkspaceConfig

#: Azure ML states after which a job's log no longer grows.
TERMINAL_STATES = frozenset({"Completed", "Failed", "Canceled", "NotResponding"})
#: The user log of a command job (stdout and stderr of its process).
USER_LOG = "user_logs/std_log.txt"


@dataclass(frozen=True, slots=True)
class JobLogChunk:
    """New text of one log file, and the job's status when it was read."""

    file: str
    text: str
    status: str


@dataclass(frozen=True, slots=True)
class JobLog:
    """A job's log files as read once: file name -> text, in display order."""

    job: str
    status: str
    files: dict[str, str] = field(default_factory=dict)
    #: Every log file the job has (also those not read).
    available: tuple[str, ...] = ()


class _FileCursor:
    """How much of one log file was read, and its undecoded tail (split UTF-8 sequences)."""

    def __init__(self) -> None:
        self.offset = 0
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")


class AzureJobLogs:
    """Logs of the jobs of an Azure ML workspace."""

    client: Any
    workspace: WorkspaceConfig
    settings: AzureSettings

    def _call(self, action: str) -> contextlib.AbstractContextManager[None]:  # pragma: no cover
        raise NotImplementedError

    def read_job_log(
        self, name: str, *, file: str | None = None, all_files: bool = False
    ) -> JobLog:
        """The job's user log (default), one named file, or every file (``all_files``)."""
        status, urls = self._log_files(name)
        chosen = _choose(urls, file, all_files, name, status)
        cursors = {f: _FileCursor() for f in chosen}
        texts = {f: self._read_new(name, f, urls[f], cursors[f], final=True) for f in chosen}
        return JobLog(name, status, texts, tuple(sorted(urls, key=_display_order)))

    def follow_job_log(
        self,
        name: str,
        *,
        file: str | None = None,
        all_files: bool = False,
        ctx: TaskContext | None = None,
        poll_seconds: float | None = None,
    ) -> Iterator[JobLogChunk]:
        """The log from its start, then new text as it appears, until the job has finished.

        The last chunk carries the final status (its text may be empty). Status changes are
        reported through ``ctx.progress``. Polls the run every ``poll_seconds`` (default: the
        settings' polling interval); stops with ``Cancelled`` once ``ctx`` is cancelled. The job
        keeps running in Azure ML.
        """
        interval = poll_seconds if poll_seconds is not None else self.settings.polling_interval
        cursors: dict[str, _FileCursor] = {}
        reported = ""
        while True:
            status, urls = self._log_files(name)
            finished = status in TERMINAL_STATES
            if ctx and status != reported:
                ctx.progress(int(finished), 1, f"job {name}: {status}")
                reported = status
            # A named file may appear only once the job runs: wait for it unless it is over.
            chosen = _choose(urls, file, all_files, name, status, strict=finished)
            for log_file in chosen:
                if ctx:
                    ctx.check()
                cursor = cursors.setdefault(log_file, _FileCursor())
                text = self._read_new(name, log_file, urls[log_file], cursor, final=finished)
                if text:
                    yield JobLogChunk(log_file, text, status)
            if finished:  # read after Azure reported the end: nothing more will come
                yield JobLogChunk("", "", status)
                return
            _sleep(interval, ctx)

    # -- the SDK calls ------------------------------------------------------------------------

    def _log_files(self, name: str) -> tuple[str, dict[str, str]]:
        """(status, log file name -> SAS URL) from the job's run history details."""
        with self._call(f"read the log files of job {name}"):
            # jobs.stream's own route: the workspace's discovery URL names the run history host.
            details = self.client.jobs._runs_operations.get_run_details(name)
        return str(details.status or ""), dict(details.log_files or {})

    def _read_new(
        self, name: str, file: str, url: str, cursor: _FileCursor, *, final: bool = False
    ) -> str:
        """The text of ``file`` after ``cursor`` (advanced); "" when nothing is new.

        ``final``: the file is complete, so an unfinished UTF-8 sequence at its end is shown.
        """
        from azure.core.exceptions import HttpResponseError

        headers = {"Range": f"bytes={cursor.offset}-"} if cursor.offset else None
        with self._call(f"read {file} of job {name}"):
            response = self._log_pipeline().get(
                url,
                headers=headers,
                connection_timeout=self.settings.connection_timeout,
                read_timeout=self.settings.read_timeout,
            )
            # 404: not written yet (as jobs.stream treats it); 416: nothing after the offset.
            if response.status_code in (404, 416):
                return cursor.decoder.decode(b"", final=final)
            if response.status_code >= 400:
                raise HttpResponseError(message=_storage_message(response), response=response)
        data = response.body()
        if response.status_code == 200 and cursor.offset:
            data = data[cursor.offset :]  # a server that ignores Range sends it all
        cursor.offset += len(data)
        return cursor.decoder.decode(data, final=final)

    def _log_pipeline(self) -> Any:
        pipeline = getattr(self, "_log_requests_pipeline", None)
        if pipeline is None:
            from azure.ai.ml._utils.utils import create_requests_pipeline_with_retry

            # The SDK's HTTP pipeline for SAS URLs (no bearer token), with its retry policy.
            pipeline = create_requests_pipeline_with_retry(
                requests_pipeline=self.client.jobs._requests_pipeline,
                retries=self.settings.retry_total,
            )
            self._log_requests_pipeline = pipeline
        return pipeline


def _choose(
    urls: dict[str, str],
    file: str | None,
    all_files: bool,
    name: str,
    status: str,
    *,
    strict: bool = True,
) -> list[str]:
    """The files to show: the named one, all, or the user log(s) ``jobs.stream`` shows."""
    if all_files:
        return sorted(urls, key=_display_order)
    if file:
        if file in urls:
            return [file]
        if not strict:
            return []
        listed = ", ".join(sorted(urls, key=_display_order)) or "none yet"
        raise NotFound(
            f"job {name} ({status or 'unknown status'}) has no log file {file!r}",
            hint=f"its log files: {listed}",
        )
    return sorted((f for f in urls if _is_user_log(f)), key=_display_order)


def _is_user_log(file: str) -> bool:
    from azure.ai.ml.constants._job.job import JobLogPattern

    # The SDK's patterns: common runtime std_log files, else the legacy driver logs.
    if re.match(JobLogPattern.COMMON_RUNTIME_STREAM_LOG_PATTERN, file):
        return True
    legacy = (
        JobLogPattern.COMMAND_JOB_LOG_PATTERN,
        JobLogPattern.PIPELINE_JOB_LOG_PATTERN,
        JobLogPattern.SWEEP_JOB_LOG_PATTERN,
    )
    return not file.startswith("user_logs/") and any(re.match(p, file) for p in legacy)


def _display_order(file: str) -> tuple[int, str]:
    return (0 if file.startswith("user_logs/") else 1, file)


def _storage_message(response: Any) -> str:
    """Blob storage's ``<Code>``/``<Message>`` (XML), first line only."""
    text = response.text() or ""
    code = re.search(r"<Code>([^<]*)</Code>", text)
    message = re.search(r"<Message>([^<\n]*)", text)
    parts = [p.group(1).strip() for p in (code, message) if p]
    return ": ".join(parts) or f"HTTP {response.status_code}"


def _sleep(seconds: float, ctx: TaskContext | None) -> None:
    """Sleep in short slices so that cancelling ``ctx`` is noticed quickly."""
    until = time.monotonic() + seconds
    while True:
        if ctx:
            ctx.check()
        left = until - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(0.2, left))
