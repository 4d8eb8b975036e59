"""Tests of cudiss.workflows.hpc."""
