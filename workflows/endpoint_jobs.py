"""The jobs around a removal flow's relaxations: build the end points, interpolate the band.

Split from :mod:`cudiss.workflows.flows`, which re-exports them: stored flows
name them ``cudiss.workflows.flows.build_endpoints`` and so on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jobflow import job
from pydantic import BaseModel, Field
from pymatgen.core import Structure
from pymatgen.io.ase import AseAtomsAdaptor

from cudiss.workflows.failures import failures_as_data
from cudiss.workflows.neb import InterpolationMethod, interpolate_band
from cudiss.workflows.schemas import BulkResult

if TYPE_CHECKING:
    from cudiss.workflows.flows import RemovalConfig


class Endpoints(BaseModel):
    """Unrelaxed Cu-removal endpoints as pymatgen structures (job output)."""

    initial: Structure
    final: Structure
    vacancy: Structure
    target_index: int
    site_class: str
    displacement: list[list[float]] = Field(
        description="per-atom initial -> final displacement before any wrapping, Å"
    )


@job
@failures_as_data
def build_endpoints(config: RemovalConfig, bulk: BulkResult | float) -> Endpoints:
    """Build the slab at ``bulk``'s lattice constant and the removal endpoints of ``config``.

    ``bulk`` may also be the lattice constant itself (Å), as flows written
    before failures became data pass it.
    """
    a0 = bulk if isinstance(bulk, int | float) else bulk.lattice_constant_A
    system = config.build(a0)
    adaptor = AseAtomsAdaptor()
    return Endpoints(
        initial=adaptor.get_structure(system.initial),
        final=adaptor.get_structure(system.final),
        vacancy=adaptor.get_structure(system.vacancy),
        target_index=system.target_index,
        site_class=system.site_class,
        displacement=(system.final.positions - system.initial.positions).tolist(),
    )


@job
@failures_as_data
def interpolate_endpoints(
    initial: Structure,
    final: Structure,
    n_images: int,
    method: InterpolationMethod = "idpp",
    displacement: list[list[float]] | None = None,
) -> list[Structure]:
    """Interpolate the band between relaxed endpoints (ase.mep IDPP or linear).

    ``displacement`` (from :class:`Endpoints`) says which periodic image of each
    moved atom the final state means.
    """
    adaptor = AseAtomsAdaptor()
    band = interpolate_band(
        adaptor.get_atoms(initial), adaptor.get_atoms(final), n_images, method, displacement
    )
    return [adaptor.get_structure(image) for image in band]
