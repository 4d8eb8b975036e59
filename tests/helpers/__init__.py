"""Helpers shared by the tests: plain functions, paths, and scripts run as subprocesses.

Fixtures live in tests/conftest.py; everything else a test module shares lives here
(``from tests.helpers.<module> import ...``). Nothing here imports a test module.
"""
