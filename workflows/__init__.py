"""jobflow recipes (GPAW and EMT), campaign execution and the ``cudiss`` CLI."""
