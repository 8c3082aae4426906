"""A stand-in ``az`` executable for ``AzureCliCredential``, written into a directory on PATH.

azure-identity runs ``az account get-access-token --output json --resource R [--tenant T]`` and
parses ``accessToken``/``expiresOn``/``expires_on``. The stand-in answers from ``az-account.json``
beside it (who is signed in, to which tenant) and appends each call to ``az-calls.log``, so a test
can prove the real credential chain reached it. It never touches the network.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SCRIPT = r'''#!{python} -I
"""Stand-in for the Azure CLI's `az account get-access-token` (MLOps Desktop test harness)."""
import datetime
import importlib.util
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "az-calls.log"), "a", encoding="utf-8") as log:
    log.write(json.dumps(sys.argv[1:]) + "\n")
args = sys.argv[1:]
if args[:2] != ["account", "get-access-token"]:
    sys.stderr.write("ERROR: this stand-in az only supports 'account get-access-token'\n")
    sys.exit(2)
with open(os.path.join(HERE, "az-account.json"), encoding="utf-8") as fh:
    state = json.load(fh)
if not state.get("logged_in"):
    sys.stderr.write("ERROR: Please run 'az login' to setup account.\n")
    sys.exit(1)

def option(name):
    return args[args.index(name) + 1] if name in args else None

resource = option("--resource") or (option("--scope") or "").removesuffix("/.default")
tenant = option("--tenant") or state["tenant"]
spec = importlib.util.spec_from_file_location("loopback_tokens", {tokens_py!r})
tokens = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tokens)
lifetime = int(state.get("lifetime", 3600))
now = int(time.time())
claims = dict(state["claims"], aud=resource, tid=tenant, iss="https://sts.loopback/" + tenant + "/")
claims["exp"] = now + int(state.get("token_exp_offset", lifetime))
token = tokens.make_token(claims, lifetime=lifetime)
expires_on = now + lifetime
print(json.dumps({{
    "accessToken": token,
    "expiresOn": datetime.datetime.fromtimestamp(expires_on).strftime("%Y-%m-%d %H:%M:%S.%f"),
    "expires_on": expires_on,
    "subscription": state.get("subscription", ""),
    "tenant": tenant,
    "tokenType": "Bearer",
}}))
'''


@dataclass
class AzStandIn:
    """The stand-in ``az`` in ``bin_dir``; put ``bin_dir`` first on PATH to use it."""

    bin_dir: Path

    @classmethod
    def install(cls, bin_dir: Path) -> AzStandIn:
        """Write the executable (logged out until :meth:`login`)."""
        bin_dir.mkdir(parents=True, exist_ok=True)
        tokens_py = Path(__file__).with_name("tokens.py").resolve()
        script = _SCRIPT.format(python=sys.executable, tokens_py=str(tokens_py))
        exe = bin_dir / "az"
        exe.write_text(script, encoding="utf-8")
        exe.chmod(0o755)
        standin = cls(bin_dir)
        standin._write({"logged_in": False})
        return standin

    def login(
        self,
        principal: dict[str, Any],
        tenant: str,
        *,
        subscription: str = "",
        lifetime: int = 3600,
        token_exp_offset: int | None = None,
    ) -> None:
        """Sign ``principal`` (claims such as ``upn``, ``oid``, ``name``) in to ``tenant``.

        ``token_exp_offset`` sets the JWT's own ``exp`` relative to now (negative: a token the
        CLI still reports as valid but the server rejects as expired).
        """
        state: dict[str, Any] = {
            "logged_in": True,
            "tenant": tenant,
            "subscription": subscription,
            "claims": principal,
            "lifetime": lifetime,
        }
        if token_exp_offset is not None:
            state["token_exp_offset"] = token_exp_offset
        self._write(state)

    def logout(self) -> None:
        """``az`` now answers "Please run 'az login'"."""
        self._write({"logged_in": False})

    def calls(self) -> list[list[str]]:
        """Argument lists of every invocation so far."""
        log = self.bin_dir / "az-calls.log"
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]

    def path_with_standin(self, path: str | None = None) -> str:
        """``PATH`` with the stand-in's directory first."""
        rest = os.environ.get("PATH", "") if path is None else path
        return f"{self.bin_dir}{os.pathsep}{rest}" if rest else str(self.bin_dir)

    def _write(self, state: dict[str, Any]) -> None:
        target = self.bin_dir / "az-account.json"
        tmp = target.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=2), encoding="utf-8")
        os.replace(tmp, target)
