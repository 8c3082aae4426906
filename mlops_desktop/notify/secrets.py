"""A target's secret (a webhook's URL, an SMTP password): the OS keyring, else an env variable.

The app never writes a secret to its own files. :func:`store_secret` puts one in the OS keyring
(the ``keyring`` package, when it is installed and a keyring is available); :func:`read_secret`
asks the keyring first and then the target's environment variable — which is what CI uses.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from mlops_desktop.core.errors import InvalidInput, Unavailable
from mlops_desktop.core.notify_settings import NotifyTarget

#: The keyring "service" every target's secret is stored under (the user name is the target's).
KEYRING_SERVICE = "mlops-desktop-notify"


def _keyring():  # type: ignore[no-untyped-def]
    """The keyring module when it is installed and has a usable backend, else None."""
    try:
        import keyring
        from keyring.backends.fail import Keyring as FailKeyring
    except ImportError:
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:  # a broken keyring configuration is "no keyring"
        return None
    return None if isinstance(backend, FailKeyring) else keyring


def keyring_available() -> bool:
    """True when secrets can be kept in the OS keyring here."""
    return _keyring() is not None


def read_secret(target: NotifyTarget, environ: Mapping[str, str] | None = None) -> str:
    """The target's secret ("" when neither the keyring nor its variable has one)."""
    module = _keyring()
    if module is not None:
        try:
            value = module.get_password(KEYRING_SERVICE, target.name)
        except Exception:  # a locked or failing keyring: fall back to the environment
            value = None
        if value:
            return value
    return (environ if environ is not None else os.environ).get(target.env_name, "")


def secret_source(target: NotifyTarget, environ: Mapping[str, str] | None = None) -> str:
    """Where the secret is found: "keyring", "$VAR", "not needed" or "missing ($VAR)" — never
    the value."""
    module = _keyring()
    if module is not None:
        try:
            if module.get_password(KEYRING_SERVICE, target.name):
                return "keyring"
        except Exception:  # a locked keyring: say what the environment has
            pass
    if (environ if environ is not None else os.environ).get(target.env_name):
        return f"${target.env_name}"
    if not target.kind.is_webhook and not target.username:
        return "not needed"
    return f"missing (${target.env_name})"


def require_secret(target: NotifyTarget, environ: Mapping[str, str] | None = None) -> str:
    """The secret, or :class:`InvalidInput` saying where to put it."""
    secret = read_secret(target, environ)
    if secret:
        return secret
    what = "webhook URL" if target.kind.is_webhook else "SMTP password"
    env_way = f"set the environment variable {target.env_name}"
    hint = (
        f"store it with `mlops-desktop notify secret set {target.name}` (OS keyring) or {env_way}"
        if keyring_available()
        else f"{env_way} (no OS keyring is available here)"
    )
    raise InvalidInput(f"notification target {target.name} has no {what}", hint=hint)


def store_secret(target_name: str, secret: str) -> None:
    """Keep ``secret`` in the OS keyring; :class:`Unavailable` when there is no keyring."""
    module = _keyring()
    if module is None:
        raise Unavailable(
            "no OS keyring is available here, and MLOps Desktop never writes a secret to its "
            "own files",
            hint=f"set the environment variable of target {target_name} instead "
            "(`mlops-desktop notify targets list` names it)",
        )
    module.set_password(KEYRING_SERVICE, target_name, secret)


def delete_secret(target_name: str) -> bool:
    """Remove the target's keyring entry; False when there was none (or no keyring)."""
    module = _keyring()
    if module is None:
        return False
    try:
        module.delete_password(KEYRING_SERVICE, target_name)
    except Exception:  # keyring.errors.PasswordDeleteError: nothing stored
        return False
    return True
