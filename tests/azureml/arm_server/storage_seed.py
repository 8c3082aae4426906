"""Real model files for the data set's model versions, written into the emulated storage.

Each version's ``modelUri`` names a datastore path (``…/datastores/D/paths/P``); seeding puts a
small trained scikit-learn MLflow model folder at ``P`` in that workspace's container of ``D``,
so downloads and cross-workspace copies of the data set's versions find real files.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import Any

from .dataset import Dataset
from .datastores import STORAGE_ACCOUNT, STORAGE_ACCOUNT_KEY, datastore_containers

_PATH_RE = re.compile(r"/datastores/(?P<datastore>[^/]+)/paths/(?P<path>.+)$", re.IGNORECASE)


#: Where promotion's gates look for a model's held-out split inside its folder.
HOLDOUT_FILE = "mlops/holdout.parquet"


def save_sklearn_model(dest: Path, *, seed: int = 0, with_holdout: bool = False) -> Path:
    """A small scikit-learn regressor saved as an MLflow model folder (MLmodel, the model,
    signature, input example) at ``dest``; returns ``dest``.

    ``with_holdout`` adds its held-out split (features and ``target``) as ``HOLDOUT_FILE``,
    which is how the split travels with an Azure ML model version for promotion's gates.
    """
    import mlflow.sklearn
    import numpy as np
    import pandas as pd
    from mlflow.models import infer_signature
    from sklearn.linear_model import Ridge

    rng = np.random.default_rng(seed)
    features = pd.DataFrame(rng.normal(size=(40, 3)), columns=["tenure", "spend", "calls"])
    target = features["tenure"] * 2.0 - features["calls"] + rng.normal(scale=0.1, size=40)
    model = Ridge(alpha=1.0).fit(features, target)
    example = features.head(3)
    mlflow.sklearn.save_model(
        model,
        str(dest),
        signature=infer_signature(example, model.predict(example)),
        input_example=example,
    )
    if with_holdout:
        held = pd.DataFrame(
            np.random.default_rng(100 + seed).normal(size=(30, 3)), columns=list(features)
        )
        held["target"] = held["tenure"] * 2.0 - held["calls"]
        (dest / HOLDOUT_FILE).parent.mkdir(parents=True, exist_ok=True)
        held.to_parquet(dest / HOLDOUT_FILE)
    return dest


def seed_model_files(
    dataset: Dataset, account_url: str, folder: Path, **client_kwargs: Any
) -> list[str]:
    """Upload ``folder``'s files to every datastore path a model version of ``dataset`` names
    (containers created as needed); returns ``workspace:datastore/path`` of each version.

    ``account_url`` is the emulated account's blob endpoint (production-style through a proxy,
    or ``https://127.0.0.1:PORT/devstoreaccount1``); ``client_kwargs`` go to the client
    (e.g. ``connection_verify``).
    """
    from azure.core.exceptions import ResourceExistsError
    from azure.storage.blob import BlobServiceClient

    service = BlobServiceClient(
        account_url,
        credential={"account_name": STORAGE_ACCOUNT, "account_key": STORAGE_ACCOUNT_KEY},
        **client_kwargs,
    )
    files = [p for p in sorted(folder.rglob("*")) if p.is_file()]
    seeded: list[str] = []
    for ws in dataset.workspaces:
        containers = datastore_containers(ws)
        for container in containers.values():
            with contextlib.suppress(ResourceExistsError):
                service.create_container(container)
        for key, versions in ws.collections.items():
            if not key.lower().startswith("models/"):
                continue
            for version in versions:
                match = _PATH_RE.search(str(version["properties"].get("modelUri") or ""))
                if match is None or match["datastore"] not in containers:
                    continue
                client = service.get_container_client(containers[match["datastore"]])
                prefix = match["path"].rstrip("/")
                for file in files:
                    name = f"{prefix}/{file.relative_to(folder).as_posix()}"
                    client.upload_blob(name, file.read_bytes(), overwrite=True)
                seeded.append(f"{ws.name}:{match['datastore']}/{prefix}")
    return seeded
