"""The portal's domain: typed settings, backup, restore rules, procedure steps and log entries.

Pure values and rules only: nothing here performs I/O or imports Streamlit or DuckDB.
"""
