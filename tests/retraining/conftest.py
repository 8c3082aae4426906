"""Fixtures for jobs and retraining: the CLI with our commands, tiny job scripts, workspaces."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from mlops_desktop.core.config import WorkspaceConfig, local_mlflow_workspace
from mlops_desktop.core.stages import Stage


@pytest.fixture
def wired_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    """``mlops_desktop.cli`` with the jobs, retrain and export-ci commands registered.

    A no-op once ``cli/__init__.py`` lists them itself.
    """
    import mlops_desktop.cli as cli
    from mlops_desktop.cli import export_ci, jobs, retrain

    modules = list(cli._COMMAND_MODULES)
    for module in (jobs, retrain, export_ci):
        if module not in modules:
            modules.append(module)
    monkeypatch.setattr(cli, "_COMMAND_MODULES", modules)


@pytest.fixture
def workspace() -> WorkspaceConfig:
    """A local MLflow workspace (its store is never created by jobs that log nothing)."""
    return local_mlflow_workspace("dev", Stage.DEV)


@pytest.fixture
def script(tmp_path: Path) -> Path:
    """A job script: prints its arguments, the job's run tags and stderr, sleeps, exits.

    ``script.py SECONDS [EXIT_CODE] [--ignore-term] [--child PIDFILE]``
    """
    path = tmp_path / "job_script.py"
    path.write_text(
        textwrap.dedent(
            """
            import os, signal, subprocess, sys, time
            args = sys.argv[1:]
            print("args:", args, flush=True)
            print("run context:", os.environ.get("MLFLOW_RUN_CONTEXT"), flush=True)
            print("to stderr", file=sys.stderr, flush=True)
            if "--ignore-term" in args:
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
            if "--child" in args:
                child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
                with open(args[args.index("--child") + 1], "w") as fh:
                    fh.write(str(child.pid))
            print("ready", flush=True)
            time.sleep(float(args[0]))
            sys.exit(int(args[1]) if len(args) > 1 and args[1].isdigit() else 0)
            """
        )
    )
    return path
