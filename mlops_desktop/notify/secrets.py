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


def require_secret(target: NotifyTarget, environ: Mapping[str, str] | None = None) -> str:
    """The secret, or :class:`InvalidInput` saying where to put it."""
    secret = read_secret(target, environ)
    if secret:
        return secret
    what = "webhook URL" if target.kind.is_webhook else "SMTP password"
    keyring_way = (
        f"`mlops-desktop notify secret set {target.name}` (OS keyring) or "
        if keyring_available()
        else ""
    )
    raise InvalidInput(
        f"notification target {target.name} has no {what}",
        hint=f"store it with {keyring_way}set the environment variable {target.env_name}",
    )


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
