"""Machine-learned interatomic potentials (MLIPs) as ASE calculators, offline.

Two universal potentials, trained on bulk DFT (PBE/PBE+U) data of the Materials
Project (MPtrj), whose weights ship inside their PyPI wheels:

==========  ==============  =========  ===============================================
name        package         model      reference
==========  ==============  =========  ===============================================
sevennet    ``sevenn``      7net-0     Park et al., J. Chem. Theory Comput. 20, 4857
                                       (2024)
chgnet      ``chgnet``      0.3.0      Deng et al., Nat. Mach. Intell. 5, 1031 (2023)
==========  ==============  =========  ===============================================

They are surrogates: good for shaping NEB bands and Hessians, pre-relaxing and
screening; a barrier to report comes from DFT (docs/mlip.md).

* Offline: the weights are read from the installed package; nothing is downloaded,
  ever (a missing weight file is an error, not a download).
* Threads: torch's intra-op threads are limited like BLAS's, one per process by
  default (``OMP_NUM_THREADS`` or the ``threads`` argument).
* One model per process: loading takes seconds, so each (name, device) is loaded
  once and shared; every call of :func:`mlip_calculator` still returns a new
  calculator object (its own results and atoms).

``atomate2.forcefields.utils.ase_calculator`` wraps both too, but builds (and so
loads) a new model on every call and goes through the deprecated
``sevenn.sevennet_calculator`` module; the packages' own calculators are used here.

Nothing heavy is imported with this module: torch and the MLIP package load on the
first :func:`mlip_calculator` call.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import io
import os
import warnings
from dataclasses import dataclass
from importlib.resources import files
from typing import Any, Literal, get_args

from ase.calculators.calculator import Calculator

from cudiss.structures.errors import CudissInputError

#: The MLIPs cudiss knows, by the name used in campaign files.
MlipName = Literal["sevennet", "chgnet"]
MLIP_NAMES: tuple[str, ...] = get_args(MlipName)

_INSTALL = "install with bash scripts/setup.sh"


@dataclass(frozen=True)
class MlipModel:
    """Where one MLIP comes from.

    Attributes
    ----------
    package
        Import (and PyPI) name of the package that provides it.
    model
        Name of the pretrained model, as the package calls it.
    weights
        Path of the weight file inside the installed package.
    """

    package: str
    model: str
    weights: str


#: The one place that says which model of which package each name means.
MLIP_MODELS: dict[str, MlipModel] = {
    "sevennet": MlipModel(
        "sevenn", "7net-0", "pretrained_potentials/SevenNet_0__11Jul2024/checkpoint_sevennet_0.pth"
    ),
    "chgnet": MlipModel("chgnet", "0.3.0", "pretrained/0.3.0/chgnet_0.3.0_e29f68s314m37.pth.tar"),
}


def check_mlip_name(name: object) -> str:
    """Return the canonical MLIP name for ``name`` (case and spaces ignored).

    Parameters
    ----------
    name
        ``"sevennet"`` or ``"chgnet"``.

    Returns
    -------
    str
        The name, lower case.

    Raises
    ------
    CudissInputError
        If ``name`` is no MLIP cudiss knows.
    """
    key = str(name).strip().lower() if isinstance(name, str) else None
    if key not in MLIP_MODELS:
        raise CudissInputError(f"unknown MLIP {name!r}: choose one of {', '.join(MLIP_NAMES)}")
    return key


def torch_threads(threads: int | None = None) -> int:
    """Limit torch's CPU threads (process-wide) and return the number set.

    Parameters
    ----------
    threads
        Intra-op threads for torch. ``None`` takes ``OMP_NUM_THREADS`` if it is
        set, else 1: one thread per process, as for BLAS (GPAW runs one MPI rank
        per core, and the CLI sets ``OMP_NUM_THREADS=1``).

    Returns
    -------
    int
        The thread count now in force (``torch.get_num_threads()``).

    Raises
    ------
    CudissInputError
        If the count (argument or ``OMP_NUM_THREADS``) is not a positive integer,
        or torch is not installed.
    """
    source = "threads" if threads is not None else "OMP_NUM_THREADS"
    raw: object = threads if threads is not None else os.environ.get(source, "").strip() or "1"
    try:
        count = int(raw)  # type: ignore[call-overload]  # anything a user wrote; checked below
    except (TypeError, ValueError):
        count = 0
    if isinstance(raw, bool) or count < 1 or str(count) != str(raw).strip():
        raise CudissInputError(f"{source} must be a positive integer, got {raw!r}")
    torch = _import("torch", "torch")
    if torch.get_num_threads() != count:
        torch.set_num_threads(count)
    # The inter-op pool can be sized once, before torch first runs in parallel.
    with contextlib.suppress(RuntimeError):
        torch.set_num_interop_threads(count)
    return torch.get_num_threads()


def _import(module: str, package: str) -> Any:
    """Import ``module``, or say in one line which package is missing."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise CudissInputError(f"{package} is not installed ({exc}): {_INSTALL}") from None


def _weights(name: str) -> str:
    """Absolute path of the in-package weight file of MLIP ``name``."""
    spec = MLIP_MODELS[name]
    path = files(spec.package).joinpath(spec.weights)
    if not path.is_file():
        raise CudissInputError(
            f"the {name} weights ({spec.model}) are not in the installed {spec.package} "
            f"package (expected {spec.weights}; nothing is downloaded): {_INSTALL}"
        )
    return str(path)


@contextlib.contextmanager
def _quiet():
    """Silence the packages' load-time chatter (prints, CPU-only notices)."""
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        # SevenNet: no cuEquivariance/FlashTP accelerator (GPU-only); e3nn: torch.jit.script.
        warnings.filterwarnings("ignore", message="No tensor product accelerator")
        warnings.filterwarnings("ignore", message=r"`torch.jit.script` is deprecated")
        yield


@functools.cache
def _model(name: str, weights: str, device: str) -> Any:
    """Load MLIP ``name`` from the file ``weights`` onto ``device`` (once per process)."""
    with _quiet():
        if name == "sevennet":
            util = _import("sevenn.util", "sevenn")
            # A file path: sevenn reads it (a model name could start a download).
            model = util.load_checkpoint(weights).build_model()
            model.set_is_batch_data(False)
        else:
            chgnet = _import("chgnet.model", "chgnet")
            # CHGNet.load's options for the 0.3.0 file (mlp_out_bias only for 0.2.0).
            model = chgnet.CHGNet.from_file(
                weights, mlp_out_bias=False, version=MLIP_MODELS[name].model
            )
    return model.to(device).eval()


def mlip_calculator(name: str, threads: int | None = None, device: str = "cpu") -> Calculator:
    """A new ASE calculator for the MLIP ``name``, its weights read from the package.

    Parameters
    ----------
    name
        ``"sevennet"`` (SevenNet 7net-0) or ``"chgnet"`` (CHGNet 0.3.0); case-insensitive.
    threads
        torch intra-op threads, process-wide (:func:`torch_threads`): ``None``
        takes ``OMP_NUM_THREADS``, else 1.
    device
        torch device, ``"cpu"`` (default) or e.g. ``"cuda"``.

    Returns
    -------
    ase.calculators.calculator.Calculator
        A fresh calculator giving ``energy`` (eV), ``forces`` (eV/Å) and ``stress``
        (eV/Å³). The model behind it is loaded on the first call (seconds) and
        shared by all calculators of this process.

    Raises
    ------
    CudissInputError
        Unknown name, bad thread count, the package (or its weight file) not
        installed.

    Notes
    -----
    Usage (the first call loads the model: about 5 s for SevenNet, 1 s for CHGNet)::

        atoms = ase.build.bulk("Cu", "fcc", a=3.615)
        atoms.calc = mlip_calculator("sevennet")
        atoms.get_potential_energy()  # -4.10 eV
    """
    name = check_mlip_name(name)
    package = MLIP_MODELS[name].package
    with _quiet():
        _import(package, package)  # a missing package is named before torch is touched
    torch_threads(threads)
    model = _model(name, _weights(name), str(device))
    if name == "chgnet":
        # torch 2.13 warns inside CHGNet's volume code on every call; harmless.
        warnings.filterwarnings(
            "ignore", message="Converting a tensor with requires_grad=True", module="chgnet"
        )
    with _quiet():
        if name == "sevennet":
            from sevenn.calculator import SevenNetCalculator

            return SevenNetCalculator(model=model, file_type="model_instance", device=device)
        from chgnet.model.dynamics import CHGNetCalculator

        return CHGNetCalculator(model=model, use_device=device)
