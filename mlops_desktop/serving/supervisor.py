"""An endpoint's supervisor: restarts its router and deployments when they die, without the app.

One small process per running endpoint (recorded in ``endpoint.json`` as ``supervisor``,
stopped first by ``endpoints stop``/``delete``). Every :data:`CHECK_INTERVAL` seconds it reads
the state and, when a listed process has died, takes the endpoint's lock without waiting (a
command holding it is changing the endpoint; the next round looks again) and restarts what
died, as ``endpoints heal`` would. It exits when the endpoint is stopped or deleted, or when
the state names another supervisor. The app's watchdog and ``endpoints heal`` restart a dead
supervisor.

Run as ``python -m mlops_desktop.serving.supervisor ENDPOINT_DIR``; ``supervisor.json`` in that
folder says which workspace the endpoint belongs to and how deployments are launched.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from mlops_desktop.core.errors import MlopsError, NotFound
from mlops_desktop.serving import processes, run_files
from mlops_desktop.serving.layout import EndpointLayout
from mlops_desktop.serving.state import EndpointRecord, load_record, locked

#: Seconds between two looks at the endpoint's processes.
CHECK_INTERVAL = 0.2
#: Set to ``0`` to start endpoints without a supervisor (an external one, such as systemd, or
#: the app's watchdog alone restarts what dies).
SUPERVISOR_ENV = "MLOPS_DESKTOP_ENDPOINT_SUPERVISOR"


def enabled() -> bool:
    """Whether new endpoint processes get a supervisor (see :data:`SUPERVISOR_ENV`)."""
    return os.environ.get(SUPERVISOR_ENV, "1").strip().lower() not in {"0", "false", "no", "off"}


def config_for(workspace: Any, launcher: Any) -> dict[str, Any]:
    """What :func:`main` needs to build the endpoint's manager: workspace and launcher."""
    from mlops_desktop.serving.launchers import ForkLauncher

    host_dir = str(launcher.host_dir) if isinstance(launcher, ForkLauncher) else None
    return {"workspace": workspace.model_dump(mode="json"), "host_dir": host_dir}


def _something_died(record: EndpointRecord) -> bool:
    if not processes.is_alive(record.router):
        return True
    return any(not processes.is_alive(d.process) for d in record.deployments)


def supervise(layout: EndpointLayout, manager: Any, me: int) -> int:
    """The supervisor's loop; returns its exit code."""
    with locked(layout.lock_file):
        # Whoever started us holds the lock until it has recorded us (or has died).
        pass
    said = ""  # the last failure, said once until it changes
    while True:
        try:
            record = load_record(layout)
        except NotFound:
            print("the endpoint was deleted; exiting", flush=True)
            return 0
        except MlopsError as exc:  # a half-written state cannot happen (atomic); a bad one can
            print(f"cannot read the state: {exc}", flush=True)
            time.sleep(CHECK_INTERVAL * 5)
            continue
        if record.stopped or record.supervisor is None or record.supervisor.pid != me:
            print("the endpoint is stopped or supervised by another process; exiting", flush=True)
            return 0
        if _something_died(record):
            try:
                restarted = manager.try_revive(layout.name)
            except MlopsError as exc:
                if str(exc) != said:
                    said = str(exc)
                    print(f"could not restart: {exc}", flush=True)
                time.sleep(CHECK_INTERVAL * 5)
                continue
            said = ""
            for line in restarted:
                print(f"{line} had exited; restarted", flush=True)
        time.sleep(CHECK_INTERVAL)


def main(argv: list[str] | None = None) -> int:
    """``python -m mlops_desktop.serving.supervisor ENDPOINT_DIR``."""
    parser = argparse.ArgumentParser(description="MLOps Desktop endpoint supervisor")
    parser.add_argument("endpoint_dir", type=Path)
    args = parser.parse_args(argv)
    layout = EndpointLayout(args.endpoint_dir.resolve())
    run_files.announce(layout.run_dir, "supervisor", layout.name)
    from mlops_desktop.core.config import WorkspaceConfig
    from mlops_desktop.serving.launchers import ForkLauncher, SubprocessLauncher
    from mlops_desktop.serving.manager import EndpointManager

    config = json.loads(layout.supervisor_config.read_text(encoding="utf-8"))
    workspace = WorkspaceConfig.model_validate(config["workspace"])
    host_dir = config.get("host_dir")
    launcher = ForkLauncher(Path(host_dir)) if host_dir else SubprocessLauncher()
    manager = EndpointManager(workspace, root=layout.directory.parent, launcher=launcher)
    print(f"supervisor {os.getpid()} watching {layout.directory}", flush=True)
    return supervise(layout, manager, os.getpid())


if __name__ == "__main__":
    sys.exit(main())
