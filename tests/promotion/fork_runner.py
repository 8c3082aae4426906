"""A warm process that forks one child per command, for the crash tests.

Importing MLflow, scikit-learn and pandas takes seconds; the kill-at-every-step test starts a
promotion process many times. This server imports them once and then, for each JSON line
``{"argv": [...], "env": {...}, "log": "path"}`` on stdin, forks a child that applies ``env``,
runs the promotion/audit command ``argv`` (output to ``log``) and exits with its code — or is
ended by the crash hook. The parent answers ``{"code": N}`` on stdout. The parent never opens a
store or a thread, so each child starts clean. POSIX only.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys

from mlops_desktop.cli import audit, promote
from mlops_desktop.cli.output import run_handler
from mlops_desktop.promotion import workflows

#: Imported once here, inherited by every child.
WARM = (
    "fairlearn.metrics",
    "mlflow.pyfunc",
    "mlflow.sklearn",
    "pandas",
    "sklearn.linear_model",
    "mlops_desktop.backends.mlflow.backend",
    "mlops_desktop.serving.manager",
)
for _module in WARM:
    importlib.import_module(_module)

workflows.promotion_workflow()  # imports every step module


def _child(job: dict[str, object]) -> int:
    os.environ.update({str(k): str(v) for k, v in dict(job["env"]).items()})  # type: ignore[call-overload]
    with open(str(job["log"]), "ab") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
    parser = argparse.ArgumentParser(prog="mlops-desktop")
    sub = parser.add_subparsers(dest="command")
    promote.register(sub)
    audit.register(sub)
    args = parser.parse_args([str(a) for a in job["argv"]])  # type: ignore[attr-defined]
    return run_handler(args.handler, args)


def main() -> None:
    """Serve jobs until stdin closes."""
    print(json.dumps({"ready": os.getpid()}), flush=True)
    for line in sys.stdin:
        job = json.loads(line)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                code = _child(job)
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"code": os.waitstatus_to_exitcode(status)}), flush=True)


if __name__ == "__main__":
    main()
