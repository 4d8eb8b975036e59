"""Tests of cudiss.workflows.calculators."""
