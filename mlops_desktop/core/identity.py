"""Who is acting, and when two names are one person.

:func:`current_identity` is the MLflow server user where there is one, else the OS user. An
Azure ML workspace knows better — the signed-in Azure identity from its token — and its
backend says so (:func:`mlops_desktop.backends.identity.acting_identity`); use that wherever a
workspace is at hand. Names compare with :func:`same_identity`.
"""

from __future__ import annotations

import getpass
import os
import unicodedata
from collections.abc import Iterable


def current_identity() -> str:
    """The identity recorded in lineage tags, approvals and the audit log (no workspace)."""
    user = os.environ.get("MLFLOW_TRACKING_USERNAME", "").strip()
    if user:
        return user
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def identity_key(identity: str) -> str:
    """The comparable form of a name: NFKC, case-folded, surrounding whitespace gone.

    ``"ALICE "``, ``"alice"`` and ``"ａｌｉｃｅ"`` (full-width) are one person.
    """
    folded = unicodedata.normalize("NFKC", identity).casefold()
    return unicodedata.normalize("NFKC", folded).strip()


def same_identity(first: str, second: str) -> bool:
    """True when two recorded names are the same person (empty names match nobody)."""
    key = identity_key(first)
    return bool(key) and key == identity_key(second)


def is_listed(identity: str, names: Iterable[str]) -> bool:
    """True when ``identity`` is one of ``names`` (a promoters or approvers list)."""
    return any(same_identity(identity, name) for name in names)
