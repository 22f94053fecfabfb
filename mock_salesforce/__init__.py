"""A mock Salesforce org that real clients cannot tell from Salesforce."""

from mock_salesforce.backend import MockBackend, MockOptions
from mock_salesforce.server import ThreadedMockServer

__all__ = ["MockBackend", "MockOptions", "ThreadedMockServer"]
