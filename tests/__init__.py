"""cudiss tests: one package per source package (structures, analysis, workflows).

Every folder under tests/ is a package, so test modules are imported by their
dotted path (``tests.workflows.neb.test_driver``, pytest's default import mode
with rootdir on ``sys.path``) and two folders may each hold a ``test_campaign.py``.
Tests import product code, pytest fixtures (tests/conftest.py) and tests/helpers/,
never another test module.
"""
