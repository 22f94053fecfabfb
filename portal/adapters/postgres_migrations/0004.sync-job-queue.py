"""The sync workers' job queue: procrastinate's schema (its jobs, events, periodic defers and
workers tables, their functions and triggers) in the portal's database, applied by the same
locked migration run as the portal's own tables, so portal replicas and workers starting
together create it once.

The schema is the one the installed procrastinate ships; a later procrastinate release that
changes it comes with SQL files in ``procrastinate/sql/migrations/``, which a later migration
here applies.
"""

from procrastinate.schema import SchemaManager
from yoyo import step

__depends__ = {"0003.companies"}

steps = [step(SchemaManager.get_schema())]
