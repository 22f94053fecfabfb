"""SOQL for the mock org: a lark grammar compiled to DuckDB SQL over the org's tables."""

from mock_salesforce.soql.engine import QueryPage, SoqlEngine, clamp_batch_size

__all__ = ["QueryPage", "SoqlEngine", "clamp_batch_size"]
