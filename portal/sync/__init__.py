"""Calls and meetings to Salesforce: simulation and CSV import, matching the counterpart by
phone, the Task and Event records the settings call for, and a batched, idempotent sync with
an outbox for what could not be sent yet."""
