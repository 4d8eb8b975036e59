"""Tests of cudiss.workflows.mpi."""
