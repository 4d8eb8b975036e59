"""Tests of cudiss.workflows."""
