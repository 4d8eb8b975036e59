"""jobflow recipes (GPAW and EMT), campaign execution and the ``cudiss`` CLI.

The chain, in the order data flows::

    calculators/  what computes energies and forces (EMT, GPAW presets, SCF control)
    neb/          the CI-NEB engine on ase.mep (band, surrogate stage, optimizers, driver)
    makers        jobflow Makers: bulk, relaxation, NEB, vibrations (atomate2 based)
    flows         one Cu-removal configuration as a Flow, and its result document
    campaign      a campaign file -> configurations -> flows
    local | hpc/  run them here into a store, or on a queue through jobflow-remote
    mpi/          any GPAW step on several MPI ranks
    cli/          the ``cudiss`` command
"""

from cudiss.workflows import moved as _moved

_moved.install()
