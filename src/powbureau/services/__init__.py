"""Use cases: the only place that opens a unit of work.

The CLI, the API and the web UI call these functions and nothing below them.
"""
