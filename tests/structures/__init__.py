"""Tests of cudiss.structures."""
