"""Tests of cudiss.workflows.neb."""
