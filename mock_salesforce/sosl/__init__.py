"""SOSL for the mock org: ``FIND {…}`` on a grammar built from the SOQL one, matched the way
Salesforce's search index matches (tokens, CJK bigrams, phone digits), RETURNING answered by
the SOQL compiler."""

from mock_salesforce.sosl.engine import MAX_RESULTS, SearchResult, SoslEngine

__all__ = ["MAX_RESULTS", "SearchResult", "SoslEngine"]
