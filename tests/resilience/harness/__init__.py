"""The resilience harness shared by ``tests/resilience``, ``bench/resilience_bench.py`` and
``scripts/resilience_report.py``: a mock org world, crash trials in killed child processes,
and the figures the README table reports."""
