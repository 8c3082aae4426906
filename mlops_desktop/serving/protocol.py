"""Names shared by the router and its clients: routes and headers (as Azure ML endpoints)."""

from __future__ import annotations

#: Scoring routes: MLflow's ``/invocations`` and Azure ML's ``/score``.
INVOCATION_PATHS = frozenset({"/invocations", "/score"})
HEALTH_PATHS = frozenset({"/ping", "/health"})
VERSION_PATH = "/version"
#: The router's own status report (configuration generation, health, counters).
STATUS_PATH = "/__mlops/status"
#: Request header that sends a request to one named deployment; the router also returns it.
DEPLOYMENT_HEADER = "azureml-model-deployment"
#: The router's id of a request, returned with every scoring answer.
REQUEST_ID_HEADER = "x-request-id"
#: A client's own request id, echoed back and collected.
CLIENT_REQUEST_ID_HEADER = "x-ms-client-request-id"
