"""Tests of cudiss.workflows.cli."""
