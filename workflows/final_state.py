"""The final state of a symmetric hop, carried over from the relaxed initial state.

When an adatom hops to the next hollow of its terrace, the final state is the
initial one translated by a surface lattice vector
(:func:`~cudiss.structures.translation.translation_partners`): it has the same
energy and relaxes the same way. Relaxing it from scratch repeated the whole
initial relaxation (3.4-3.9 min of the README's GPAW main job, each). The flow
instead carries the initial state's relaxation over to it and hands that to
an ordinary relaxation job, which needs a single force call when the
calculator shares the symmetry, and simply goes on relaxing when it does not
(a DFT grid that the translation does not map onto itself), so the final
state's energy and forces are always computed, never copied.
"""

from __future__ import annotations

from jobflow import job
from pymatgen.core import Structure
from pymatgen.io.ase import AseAtomsAdaptor

from cudiss.structures.errors import CudissInputError
from cudiss.structures.translation import carry_relaxation, translation_partners
from cudiss.workflows.failures import failures_as_data


def is_symmetric_hop(config) -> bool:
    """Whether ``config``'s final state is its initial state moved by a slab symmetry.

    Decided on the builder's geometry at the default lattice constant (the
    match does not depend on it). A configuration that cannot be built is
    reported by the flow's endpoints job, so it counts as not symmetric here.

    Parameters
    ----------
    config : cudiss.workflows.flows.RemovalConfig
        The removal configuration.
    """
    try:
        ends = config.build()
    except CudissInputError:
        return False
    return translation_partners(ends.initial, ends.final) is not None


@job
@failures_as_data
def carried_final(initial: Structure, final: Structure, relaxed_initial: Structure) -> Structure:
    """The unrelaxed ``final`` state moved atom by atom as ``initial`` moved when it relaxed.

    Parameters
    ----------
    initial, final
        The unrelaxed end points (``Endpoints.initial``, ``Endpoints.final``).
    relaxed_initial
        The relaxed initial state.

    Raises
    ------
    ValueError
        When no translation maps ``initial`` onto ``final`` (the flow asked for
        this job on a configuration that is not a symmetric hop).
    """
    adaptor = AseAtomsAdaptor()
    start, end = adaptor.get_atoms(initial), adaptor.get_atoms(final)
    partners = translation_partners(start, end)
    if partners is None:
        raise ValueError("the final state is not the initial state moved by a slab symmetry")
    carried = carry_relaxation(start, adaptor.get_atoms(relaxed_initial), end, partners)
    return adaptor.get_structure(carried)
