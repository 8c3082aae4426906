"""``python -m mlops_desktop`` runs the same entry point as ``mlops-desktop``."""

import sys

from mlops_desktop.launcher import main

sys.exit(main())
