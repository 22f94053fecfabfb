"""The sync workers (PostgreSQL mode): processes that send every company's queued calls and
meetings to Salesforce from a procrastinate job queue in the portal's database, whether or
not anyone has the portal open. ``python -m portal.worker`` runs one.

- :mod:`.settings`: the worker's knobs (batch size, API share, sweep interval), from the
  environment.
- :mod:`.fairness`: a company's turn is one bounded batch; while more is due, its next turn
  queues behind every other company's.
- :mod:`.allowance`: no sending for an org past a share of its daily API allowance.
- :mod:`.companies`: each company's portal, opened once per process.
- :mod:`.app`: the procrastinate app and its two tasks (drain one company, sweep them all).
"""
