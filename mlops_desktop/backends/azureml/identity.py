"""The signed-in Azure identity of a workspace: the person its token was issued to."""

from __future__ import annotations

from mlops_desktop.backends.azureml.credentials import (
    build_credential,
    identity_from_claims,
    token_claims,
)
from mlops_desktop.backends.azureml.errors import SIGN_IN_HINT, translated_errors
from mlops_desktop.core.azure_clouds import resolve_cloud
from mlops_desktop.core.azure_settings import AzureSettings
from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.errors import AuthError


def signed_in_identity(workspace: WorkspaceConfig, settings: AzureSettings | None = None) -> str:
    """UPN (or app / object id) from the claims of the token the workspace's credential gives.

    The claims are read without checking the signature: the token comes from our own
    credential, and Azure checks it on every call it is used for. AuthError when no token
    can be had or it names nobody; never an environment variable instead.
    """
    assert workspace.azure is not None
    cloud = resolve_cloud(workspace.azure)
    credential = build_credential(settings or AzureSettings.from_env(), workspace.azure, cloud)
    with credential, translated_errors(workspace, "sign in"):
        token = credential.get_token(cloud.scope).token
    identity = identity_from_claims(token_claims(token)).strip()
    if not identity:
        raise AuthError(
            f"the Azure token of workspace {workspace.name!r} names no identity "
            "(no upn, preferred_username or oid claim)",
            hint=SIGN_IN_HINT,
        )
    return identity
