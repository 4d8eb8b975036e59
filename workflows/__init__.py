"""jobflow recipes (GPAW and EMT), campaign execution and the ``cudiss`` CLI.

The chain, in the order data flows::

    calculators/  what computes energies and forces (EMT, GPAW presets, SCF control)
    neb/          the CI-NEB engine on ase.mep (band, surrogate stage, optimizers, driver)
    makers        jobflow Makers: relaxation, NEB (atomate2 based); re-exports the next two
    thermo_makers bulk Cu reference (a0, mu_Cu) and vibrations Makers
    maker_checks  the one-line checks of maker fields (fmax, types)
    flows         one Cu-removal configuration as a Flow
    endpoint_jobs its end-point and band-interpolation jobs
    final_state   a symmetric hop's final state, carried over from the relaxed initial one
    results       its result document, assembled from the steps (failed ones too)
    mechanism_flows   gas references (molecule in a box) and adsorption on a facet
    mechanism_steps   molecule relaxation and resumable vibrations as flow steps
    mechanism_results their result documents (GasResult, AdsorptionResult)
    mechanism_settings the campaign's mechanism: section and the jobs it adds
    mechanism_store   read gas and adsorption results back
    campaign      a campaign file -> configurations -> flows
    endpoint_cache  the campaign's fast geometry check (adsorbate-free work shared)
    local | hpc/  run them here into a store, or on a queue through jobflow-remote
    store         open a results store (folder or jobflow's) and read its results
    store_files   a store folder's layout, read-only checks, read copy and creation
    store_mirror  a store folder's sqlite collections read through an in-memory mirror
    mpi/          any GPAW step on several MPI ranks
    cli/          the ``cudiss`` command
"""

from cudiss.workflows import moved as _moved

_moved.install()
