"""Adapters: DuckDB storage, token encryption, clock, configuration and (in ``salesforce/``)
the Salesforce gateway. No business rules."""
