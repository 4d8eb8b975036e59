"""Tests of cudiss.analysis."""
