"""PyInstaller entry script of the frozen ``mlops-desktop`` binary.

One binary is the GUI, every CLI command and — through
:func:`mlops_desktop.launcher._run_frozen_child` — the ``python -m module`` child processes the
app starts (endpoint routers and deployments, job supervisors, pipelines).
"""

import sys

from mlops_desktop.launcher import main

if __name__ == "__main__":
    sys.exit(main())
