"""Qt-free data drift and data quality: statistics, windows and report writers.

The public entry points live in submodules so that importing this package stays cheap:

- :mod:`mlops_desktop.drift.engine` — ``compute_drift``, ``DriftResult``, ``FeatureDrift``
- :mod:`mlops_desktop.drift.config` — ``DriftConfig``, ``load_drift_config``
- :mod:`mlops_desktop.drift.io` — ``load_table``
- :mod:`mlops_desktop.drift.report_html`, ``report_pdf``, ``report_json`` — report writers
"""
