"""Run the loopback Azure ML (ARM) server standalone, to point the app at it.

From the repository root::

    python -m tests.azureml.arm_server --port 8443 --configure-home ~/mlops-azure-demo

It serves the dev/staging/prod data set on https://127.0.0.1:PORT, writes a CA bundle and a
stand-in ``az`` (signed in as ``--principal``) into ``--state-dir``, optionally adds the three
workspaces (``azure-dev``, ``azure-staging``, ``azure-prod``) to the app configuration under
``--configure-home``, and prints the environment to ``source`` in the shell that runs the app.

When Azurite (npm ``azurite``) is installed it also serves the workspaces' storage: Azurite with
the server's certificate, a CONNECT proxy for ``*.blob.core.loopback.test`` (``HTTPS_PROXY`` in
``env.sh``) and real model files at every path the data set's model versions name, so versions
can be downloaded and copied across workspaces. ``--no-storage`` leaves it out.
"""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from .az_standin import AzStandIn
from .dataset import Dataset, load_dataset
from .datastores import STORAGE_ACCOUNT
from .server import ArmTestServer
from .storage_seed import save_sklearn_model, seed_model_files
from .tls import STORAGE_SUFFIX, CertificateFiles, make_self_signed_certificate, write_ca_bundle

#: Default-chain members a developer machine may have set up for real Azure.
EXCLUDE = "environment,workload_identity,shared_token_cache,visual_studio_code,powershell," + (
    "developer_cli,broker"
)
STAGES = {"dev": "rg-churn-dev", "staging": "rg-churn-staging", "prod": "rg-churn-prod"}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tests.azureml.arm_server", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="TCP port (default: any free one)")
    parser.add_argument("--state-dir", type=Path, help="certificate, CA bundle, stand-in az")
    parser.add_argument("--page-size", type=int, default=20, help="items per list page")
    parser.add_argument("--lro-seconds", type=int, default=2, help="Retry-After of operations")
    parser.add_argument(
        "--principal",
        default="ml-lead",
        choices=sorted(load_dataset().principals),
        help="who the stand-in az is signed in as",
    )
    parser.add_argument(
        "--no-storage",
        action="store_true",
        help="do not start Azurite (model files cannot be downloaded or copied)",
    )
    parser.add_argument(
        "--configure-home",
        type=Path,
        help="add azure-dev/staging/prod workspaces to the app config under this home",
    )
    return parser


def _configure(home: Path, server: ArmTestServer) -> Path:
    """Add (or replace) the three workspaces in ``home``'s config."""
    import os

    os.environ["MLOPS_DESKTOP_HOME"] = str(home)
    from mlops_desktop.core.config import (
        AzureConnection,
        BackendKind,
        WorkspaceConfig,
        load_config,
        save_config,
    )
    from mlops_desktop.core.stages import Stage

    config = load_config()
    for stage, group in STAGES.items():
        workspace = WorkspaceConfig(
            name=f"azure-{stage}",
            backend=BackendKind.AZUREML,
            stage=Stage(stage),
            description=f"Loopback Azure ML workspace mlw-churn-{stage}",
            azure=AzureConnection(
                subscription_id=server.dataset.subscription_id,
                resource_group=group,
                workspace_name=f"mlw-churn-{stage}",
                tenant_id=server.dataset.tenant_id,
                cloud="LoopbackArm",
                cloud_metadata=server.cloud_metadata(),
            ),
        )
        config = config.with_workspace(workspace, replace=True)
    _write_demo_policy()
    return save_config(config)


def _write_demo_policy() -> None:
    """Promotion into the data set's own endpoints (blue/green), with canary steps; prod needs
    approval. Only when the home has no policy yet (a user's choices are kept)."""
    from mlops_desktop.core.policy import (
        PolicyConfig,
        RolloutPolicy,
        StagePolicy,
        policy_file,
        save_policy,
    )

    if policy_file().is_file():
        return
    save_policy(
        PolicyConfig(
            workspaces={
                "azure-staging": StagePolicy(
                    rollout=RolloutPolicy(
                        endpoint="churn-staging-ep", canary=(10, 50), step_seconds=5
                    )
                ),
                "azure-prod": StagePolicy(
                    requires_approval=True,
                    rollout=RolloutPolicy(endpoint="churn-prod-ep", canary=(10,), step_seconds=5),
                ),
            }
        )
    )


def _start_storage(cert: CertificateFiles, state: Path, dataset: Dataset) -> list[Any]:
    """Azurite + the CONNECT proxy, seeded; [] when Azurite is not installed."""
    import os

    # azurite.py and connect_proxy.py live next to this package (tests/azureml).
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from azurite import INSTALL_HINT, Azurite, azurite_executable
    from connect_proxy import BlobConnectProxy

    executable = azurite_executable()
    if executable is None:
        print(f"no storage (model files cannot be downloaded): {INSTALL_HINT}")
        return []
    azurite = Azurite(cert, state / "azurite", executable=executable).start()
    proxy = BlobConnectProxy(STORAGE_SUFFIX, azurite.port).start()
    # Seeding talks to Azurite directly (path-style URL); a proxy of the shell must not see it.
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
    folder = state / "seed-model"
    try:
        if not (folder / "MLmodel").is_file():
            save_sklearn_model(folder, with_holdout=True)  # promotion's gates read it
        seeded = seed_model_files(
            dataset,
            f"https://127.0.0.1:{azurite.port}/{STORAGE_ACCOUNT}",
            folder,
            connection_verify=str(cert.cert),
            retry_total=0,
        )
    except BaseException:
        proxy.stop()
        azurite.stop()
        raise
    print(f"Azurite on 127.0.0.1:{azurite.port} (proxy {proxy.url}): {len(seeded)} model folders")
    return [proxy, azurite]


def main(argv: list[str] | None = None) -> int:
    """Start the server and wait for Ctrl-C (or SIGTERM)."""
    args = _parser().parse_args(argv)
    state = args.state_dir or Path(tempfile.mkdtemp(prefix="mlops-arm-"))
    state.mkdir(parents=True, exist_ok=True)
    cert = make_self_signed_certificate(state)
    bundle = write_ca_bundle(cert.cert, state / "ca-bundle.pem")
    server = ArmTestServer(
        cert, port=args.port, page_size=args.page_size, lro_retry_after=args.lro_seconds
    )
    data = server.dataset
    az = AzStandIn.install(state / "bin")
    az.login(data.principal(args.principal), data.tenant_id, subscription=data.subscription_id)
    exports = {
        "REQUESTS_CA_BUNDLE": str(bundle),
        "PATH": f"{az.bin_dir}:$PATH",
        "MLOPS_DESKTOP_AZURE_EXCLUDE": EXCLUDE,
    }
    storage = [] if args.no_storage else _start_storage(cert, state, data)
    if storage:
        exports["HTTPS_PROXY"] = storage[0].url
        exports["NO_PROXY"] = "127.0.0.1,localhost"  # ARM and MLflow stay direct
    if args.configure_home:
        home = args.configure_home.expanduser().resolve()
        config_file = _configure(home, server)
        exports["MLOPS_DESKTOP_HOME"] = str(home)
        print(f"workspaces azure-dev, azure-staging, azure-prod written to {config_file}")
    env_file = state / "env.sh"
    env_file.write_text(
        "".join(f"export {k}={v if k == 'PATH' else shlex.quote(v)}\n" for k, v in exports.items()),
        encoding="utf-8",
    )
    server.start()
    who = data.principal(args.principal).get("upn") or args.principal
    print(f"loopback Azure Resource Manager at {server.base_url}")
    print(f"  subscription {data.subscription_id}, tenant {data.tenant_id}")
    for stage, group in STAGES.items():
        print(f"  {stage:8s} {group}/mlw-churn-{stage}")
    print(f"  stand-in az signed in as {who}")
    print(f"in the shell that runs the app:  source {env_file}")
    print(f"ARM_SERVER_READY {server.base_url} {state}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        for part in storage:  # the proxy, then Azurite
            part.stop()
        for route in server.unknown_routes:
            print(f"unknown route seen: {route}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
