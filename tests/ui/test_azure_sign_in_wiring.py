"""The navigator's *Sign in…* opens the Azure sign-in dialog; success reloads the window."""

from __future__ import annotations

from typing import Any

import pytest
from ui_fakes import FakeBackend, FakeOpener

from mlops_desktop.core.config import (
    AppConfig,
    AzureConnection,
    BackendKind,
    WorkspaceConfig,
    save_config,
)
from mlops_desktop.core.stages import Stage
from mlops_desktop.ui.workspaces.azure_sign_in import AzureSignInDialog
from mlops_desktop.ui.workspaces.navigator_tree_model import Scope


class _InteractiveBackend(FakeBackend):
    def sign_in(self, prompt: Any = None) -> str:
        return "morgan.lee@contoso.example"


def test_sign_in_from_the_navigator_opens_the_dialog_and_reloads(
    qtbot: Any, make_window: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLOPS_DESKTOP_AZURE_CREDENTIAL", "device-code")
    workspace = WorkspaceConfig(
        name="prod",
        backend=BackendKind.AZUREML,
        stage=Stage.PROD,
        azure=AzureConnection(subscription_id="s", resource_group="r", workspace_name="mlw"),
    )
    save_config(AppConfig(workspaces=(workspace,)))
    opener = FakeOpener(_InteractiveBackend)
    window = make_window(opener=opener)
    navigator = window.navigator
    index = navigator.navigator_model.index_of(Scope(Stage.PROD, "prod"))
    menu = navigator.context_menu(index)
    assert menu is not None, "Sign in… is offered once the window listens for it"
    (action,) = menu.actions()
    opened_before = len(opener.opened)
    action.trigger()
    dialog = window.findChild(AzureSignInDialog)
    assert dialog is not None and dialog.workspace.name == "prod"
    with qtbot.waitSignal(dialog.signedIn, timeout=10_000) as signed:
        pass
    assert signed.args == ["morgan.lee@contoso.example"]
    # The window reloads after signing in: the workspace is opened again.
    qtbot.waitUntil(lambda: len(opener.opened) > opened_before + 1, timeout=10_000)
