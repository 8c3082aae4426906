"""Helpers for promotion tests (importable: pytest puts this folder on sys.path)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlops_desktop.core.config import AppConfig, WorkspaceConfig
from mlops_desktop.core.policy import (
    GatePolicy,
    PolicyConfig,
    RolloutPolicy,
    StagePolicy,
    save_policy,
)
from mlops_desktop.serving.manager import HOST_DIR_ENV, EndpointManager

MODEL = "diabetes"


def free_port() -> int:
    """An unused TCP port on 127.0.0.1 from the OS's ephemeral range (less contended than the
    endpoints' default 5001+, where other app homes on this machine may be starting endpoints)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def registry_snapshot(workspace: WorkspaceConfig) -> dict[str, Any]:
    """Everything visible in a workspace's registry and tracking store (no timestamps)."""
    from mlflow import MlflowClient
    from mlflow.entities import ViewType

    assert workspace.mlflow is not None
    uri = workspace.mlflow.tracking_uri
    client = MlflowClient(uri, registry_uri=uri)
    models = {
        m.name: {"tags": dict(m.tags), "aliases": dict(m.aliases), "description": m.description}
        for m in client.search_registered_models()
    }
    versions = sorted(
        (v.name, int(v.version), tuple(sorted(v.tags.items())), v.status, v.run_id, v.source)
        for v in client.search_model_versions()
    )
    experiments = client.search_experiments(view_type=ViewType.ACTIVE_ONLY)
    runs = sorted(
        r.info.run_id
        for r in client.search_runs([e.experiment_id for e in experiments], max_results=1000)
    )
    return {
        "models": models,
        "versions": versions,
        "experiments": sorted(e.name for e in experiments),
        "runs": runs,
    }


def endpoint_snapshot(workspace: WorkspaceConfig) -> list[Any]:
    """Every endpoint with its deployments, what they serve and their traffic."""
    manager = EndpointManager(workspace)
    return [
        (
            e.name,
            e.port,
            e.status.value,
            sorted(
                (d.name, d.registered_model, d.version, d.traffic, d.mirror, d.status.value)
                for d in e.deployments
            ),
        )
        for e in manager.list_endpoints()
    ]


def target_snapshot(workspace: WorkspaceConfig) -> dict[str, Any]:
    """Registry and endpoints of a target."""
    return {"registry": registry_snapshot(workspace), "endpoints": endpoint_snapshot(workspace)}


_CLI = (
    "import argparse, sys\n"
    "from mlops_desktop.cli import audit, promote\n"
    "from mlops_desktop.cli.output import run_handler\n"
    "parser = argparse.ArgumentParser(prog='mlops-desktop')\n"
    "sub = parser.add_subparsers(dest='command')\n"
    "promote.register(sub)\n"
    "audit.register(sub)\n"
    "args = parser.parse_args(sys.argv[1:])\n"
    "sys.exit(run_handler(args.handler, args))\n"
)


def run_cli_process(
    *argv: str, env: dict[str, str] | None = None, timeout: float = 120.0
) -> subprocess.CompletedProcess[str]:
    """Run this package's promotion/audit commands in a new Python process."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    full_env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{full_env.get('PATH', '')}"
    return subprocess.run(
        [sys.executable, "-c", _CLI, *argv],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
    )


def cli_main(*argv: str) -> int:
    """Run a promotion/audit command in this process (as ``mlops-desktop`` would)."""
    import argparse

    from mlops_desktop.cli import audit, promote
    from mlops_desktop.cli.output import run_handler

    parser = argparse.ArgumentParser(prog="mlops-desktop")
    sub = parser.add_subparsers(dest="command")
    promote.register(sub)
    audit.register(sub)
    args = parser.parse_args(list(argv))
    return run_handler(args.handler, args)


class ForkRunner:
    """Runs promotion/audit commands in children forked from a warm process (see
    ``fork_runner.py``): a fresh process per command without paying the imports each time."""

    #: Environment variables a child takes from the test at the time of the call.
    PASSED = ("MLOPS_DESKTOP_HOME", HOST_DIR_ENV, "MLFLOW_TRACKING_USERNAME")

    def __init__(self, proc: subprocess.Popen[str], logs: Path) -> None:
        self.proc = proc
        self.logs = logs
        self.count = 0

    def run(self, *argv: str, env: dict[str, str] | None = None) -> tuple[int, str]:
        """Exit code and output of one command."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.count += 1
        log = self.logs / f"child-{self.count}.log"
        child_env = {k: os.environ[k] for k in self.PASSED if k in os.environ}
        child_env.update(env or {})
        job = {"argv": list(argv), "env": child_env, "log": str(log)}
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        assert answer, "the fork runner died"
        output = log.read_text(errors="replace") if log.exists() else ""
        return int(json.loads(answer)["code"]), output


def fast_policy(**gate_changes: object) -> StagePolicy:
    """A policy for tests: 10 % canary watched briefly, generous latency bounds."""
    return StagePolicy(
        gates=GatePolicy(smoke_max_latency_ms=10_000.0).model_copy(update=gate_changes),
        rollout=RolloutPolicy(
            canary=(10,), step_seconds=0.3, probe_requests=3, max_latency_ms=10_000.0
        ),
    )


@dataclass
class Stages:
    """The test's workspaces, config and policy."""

    home: Path
    config: AppConfig
    dev: WorkspaceConfig
    staging: WorkspaceConfig
    prod: WorkspaceConfig

    def write_policy(self, policy: PolicyConfig) -> None:
        """Replace the policy file."""
        save_policy(policy)
