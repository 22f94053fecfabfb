"""The sync's pure parts: calls and meetings to Salesforce Tasks and Events (records), the
counterpart found by phone (phones, matching), CSV parsing, the outbox's states and the
messages people read. The use cases are in :mod:`portal.services.sync`."""
