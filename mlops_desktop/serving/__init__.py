"""Local endpoints: deployments, router with traffic split, data collection (Qt-free).

Callers use :class:`mlops_desktop.serving.manager.EndpointManager`. Inside:

- ``manager``: the API (create, deploy, traffic, invoke, delete, stop/start, re-attach,
  telemetry, collected data); ``entities``: the dataclasses it returns.
- ``router`` (a process per endpoint), ``router_control``: start/reconfigure it;
  ``supervisor`` (a process per endpoint): restarts the router and deployments that die;
  ``run_files``: every process announces itself as it starts, so none runs unrecorded.
- ``host`` (the fork host process), ``launchers``, ``scoring`` (a deployment's HTTP server).
- ``collector`` (router side, writes Parquet), ``collected`` and ``telemetry`` (read side).
- ``state``, ``layout``: the files of an endpoint; ``traffic``: split/mirror rules;
  ``model_cache``: model files from the registry; ``processes``, ``http_client``, ``protocol``.

Importing this package loads nothing heavy; the router imports only the stdlib, psutil and
pyarrow.
"""
