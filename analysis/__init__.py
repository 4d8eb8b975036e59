"""CHE thermodynamics, dissolution under bias, barrier tables and figures.

Reads results; runs no DFT; never imports gpaw.
"""
