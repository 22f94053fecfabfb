"""Adapters: DuckDB storage (``ports.py`` for the contracts, ``duckdb_*.py`` and ``memory.py``
for the repositories, ``storage.py`` for the whole), token encryption, clock, configuration, the
mock org's pages and control plane (``mock_org.py``) and, in ``salesforce/``, the Salesforce
gateway. No business rules."""
