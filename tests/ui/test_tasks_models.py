"""Task bodies and form logic of the GUI, tested without Qt."""

from __future__ import annotations

import pytest
from ui_fakes import FakeBackend, FakeOpener, make_version

from mlops_desktop.core.config import AppConfig, StageLayout, local_mlflow_workspace
from mlops_desktop.core.entities import (
    LINEAGE_SOURCE_RUN,
    LINEAGE_SOURCE_VERSION,
    LINEAGE_SOURCE_WORKSPACE,
    ConnectionInfo,
    ConnectionState,
)
from mlops_desktop.core.errors import AuthError, Cancelled, InvalidInput, Unavailable
from mlops_desktop.core.stages import Stage
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.ui.common.backend_tasks import (
    connection_state_for_error,
    describe_error,
    lineage_by_stage,
    load_workspace,
    version_sort_key,
)
from mlops_desktop.ui.workspaces.workspace_form import (
    ALL_STAGES,
    WorkspaceForm,
    WorkspaceFormError,
    WorkspaceKind,
    add_workspace,
    validate_server_uri,
)


def _workspace(name: str = "dev", stage: Stage = Stage.DEV):
    return local_mlflow_workspace(name, stage)


def test_load_workspace_reads_versions_of_an_online_backend() -> None:
    versions = [make_version("dev", "1", metric=3.0), make_version("dev", "2", metric=2.0)]
    opener = FakeOpener(lambda ws: FakeBackend(ws, versions))
    progress: list[str] = []
    ctx = TaskContext(lambda done, total, message: progress.append(message))

    snapshot = load_workspace(ctx, _workspace(), opener)

    assert snapshot.workspace == "dev"
    assert snapshot.connection.state is ConnectionState.ONLINE
    assert [v.version for v in snapshot.versions] == ["1", "2"]
    assert progress and all(m.startswith("dev:") for m in progress)


def test_load_workspace_does_not_list_an_offline_backend() -> None:
    offline = ConnectionInfo(ConnectionState.OFFLINE, "cannot reach http://127.0.0.1:9")
    opener = FakeOpener(lambda ws: FakeBackend(ws, [make_version("dev", "1")], connection=offline))

    snapshot = load_workspace(TaskContext(), _workspace(), opener)

    assert snapshot.connection == offline
    assert snapshot.versions == ()
    assert opener.opened[0].list_calls == 0


def test_load_workspace_stops_when_cancelled() -> None:
    ctx = TaskContext()
    ctx.cancel()
    opener = FakeOpener(lambda ws: FakeBackend(ws))
    with pytest.raises(Cancelled):
        load_workspace(ctx, _workspace(), opener)
    assert opener.opened == []


def test_load_workspace_lets_backend_errors_through() -> None:
    error = Unavailable("cannot reach the server", hint="start it")
    opener = FakeOpener(lambda ws: FakeBackend(ws, error=error))
    with pytest.raises(Unavailable):
        load_workspace(TaskContext(), _workspace(), opener)


def test_errors_map_to_connection_states_and_readable_text() -> None:
    assert connection_state_for_error(Unavailable("x")) is ConnectionState.OFFLINE
    assert connection_state_for_error(AuthError("x")) is ConnectionState.AUTH_REQUIRED
    assert connection_state_for_error(RuntimeError("x")) is ConnectionState.ERROR
    assert describe_error(Unavailable("server down", hint="start it")) == "server down — start it"
    assert describe_error(KeyError("k")) == "KeyError: 'k'"


def test_lineage_groups_versions_with_the_same_origin_by_stage() -> None:
    dev = make_version("dev", "2", stage=Stage.DEV, run_id="r-42", aliases=("champion",))
    other_dev = make_version("dev", "3", stage=Stage.DEV, run_id="r-43")
    copy_tags = {
        LINEAGE_SOURCE_RUN: "r-42",
        LINEAGE_SOURCE_WORKSPACE: "dev",
        LINEAGE_SOURCE_VERSION: "2",
    }
    staging = make_version("staging", "1", stage=Stage.STAGING, run_id="import-1", tags=copy_tags)
    prod = make_version("prod", "1", stage=Stage.PROD, run_id="import-2", tags=copy_tags)
    other_model = make_version("prod", "1", model="fraud", stage=Stage.PROD, run_id="r-42")

    lineage = lineage_by_stage(prod, [dev, other_dev, staging, prod, other_model])

    assert lineage[Stage.DEV] == [dev]
    assert lineage[Stage.STAGING] == [staging]
    assert lineage[Stage.PROD] == [prod]
    assert lineage_by_stage(other_dev, [dev, other_dev, staging, prod]) == {
        Stage.DEV: [other_dev],
        Stage.STAGING: [],
        Stage.PROD: [],
    }


def test_version_sort_key_is_numeric() -> None:
    assert sorted(["10", "9", "100", "abc"], key=version_sort_key) == ["9", "10", "100", "abc"]


# -- the Add workspace form ----------------------------------------------------------------


def test_form_builds_a_local_store_workspace(app_home) -> None:
    config = add_workspace(
        WorkspaceForm("team-dev", Stage.DEV, WorkspaceKind.LOCAL_MLFLOW), AppConfig()
    )
    ws = config.workspace("team-dev")
    assert ws.stage is Stage.DEV
    assert ws.mlflow is not None and ws.mlflow.tracking_uri.startswith("sqlite:///")
    assert str(app_home) in ws.mlflow.tracking_uri


def test_form_builds_a_server_workspace_in_the_name_prefix_layout() -> None:
    form = WorkspaceForm("shared", ALL_STAGES, WorkspaceKind.MLFLOW_SERVER, " http://mlflow:5000/ ")
    ws = add_workspace(form, AppConfig()).workspace("shared")
    assert ws.layout is StageLayout.NAME_PREFIX
    assert ws.hosted_stages == (Stage.DEV, Stage.STAGING, Stage.PROD)
    assert ws.mlflow is not None and ws.mlflow.tracking_uri == "http://mlflow:5000"


@pytest.mark.parametrize(
    ("form", "field", "text"),
    [
        (WorkspaceForm("", Stage.DEV, WorkspaceKind.LOCAL_MLFLOW), "name", "Enter a name"),
        (WorkspaceForm("bad name!", Stage.DEV, WorkspaceKind.LOCAL_MLFLOW), "name", "letters"),
        (WorkspaceForm("dev", Stage.DEV, WorkspaceKind.LOCAL_MLFLOW), "name", "already exists"),
        (WorkspaceForm("x", Stage.DEV, WorkspaceKind.MLFLOW_SERVER, ""), "uri", "Enter"),
        (WorkspaceForm("x", Stage.DEV, WorkspaceKind.MLFLOW_SERVER, "ftp://h"), "uri", "http(s)"),
        (WorkspaceForm("x", Stage.DEV, WorkspaceKind.MLFLOW_SERVER, "http://"), "uri", "no host"),
        (
            WorkspaceForm("x", Stage.DEV, WorkspaceKind.MLFLOW_SERVER, "http://h:99999"),
            "uri",
            "port",
        ),
        (WorkspaceForm("x", Stage.DEV, WorkspaceKind.AZURE_ML), "subscription_id", "Enter"),
    ],
)
def test_form_rejects_bad_input_naming_the_field(form, field, text) -> None:
    existing = AppConfig(workspaces=(_workspace("dev"),))
    with pytest.raises(WorkspaceFormError) as caught:
        add_workspace(form, existing)
    assert caught.value.field == field
    assert text in str(caught.value)
    assert isinstance(caught.value, InvalidInput)


def test_server_uri_validation_accepts_https_with_path() -> None:
    assert validate_server_uri("https://ml.example.com/mlflow/") == "https://ml.example.com/mlflow"
