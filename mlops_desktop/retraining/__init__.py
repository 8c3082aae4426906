"""Jobs and retraining policies (Qt-free).

- ``jobs``: what a job is (:class:`~mlops_desktop.retraining.jobs.JobSpec`,
  :class:`~mlops_desktop.retraining.jobs.Job`, status, trigger); ``job_manager``: the API
  (:class:`~mlops_desktop.retraining.job_manager.JobManager`: submit, list, get, logs, cancel,
  wait); ``job_store``: the SQLite records in ``data_dir()/jobs/``; ``launchers``: how a job runs
  on a workspace's backend (``local_launcher`` for MLflow workspaces: a supervised subprocess,
  ``supervisor`` is that process); ``run_link``: the MLflow run and model version a job made;
  ``follow_ups``: what runs after a job succeeded (the promotion hook).
- ``policies``: ``retraining.toml`` (typed, versioned); ``schedule`` and ``data_triggers``: the
  trigger checks; ``decisions``: the append-only decision log; ``check``: one evaluation pass
  (:func:`~mlops_desktop.retraining.check.check_policies`), used by the CLI, CI and the app.
- ``demo_policy``: the demo's drift policy; ``ci_export``: GitHub Actions / Azure DevOps YAML.

Importing this package loads nothing heavy: the supervisor process starts from it.
"""
