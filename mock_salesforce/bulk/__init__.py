"""Bulk API 2.0 of the mock org: query jobs and ingest jobs, their state machine, their CSV
data and results, processed in the background as Salesforce does (clients poll)."""

from mock_salesforce.bulk.jobs import BulkJobs, Job, JobKind, JobState, bulk_jobs

__all__ = ["BulkJobs", "Job", "JobKind", "JobState", "bulk_jobs"]
