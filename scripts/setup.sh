#!/usr/bin/env bash
# Set up cudiss on a fresh Debian machine: system libraries, a virtual
# environment, GPAW built with MPI + FFTW + ScaLAPACK, PAW data, the CPU build of
# torch with the ML potentials SevenNet and CHGNet, and cudiss.
#
# Idempotent: every step checks what is already there and skips it.
#
#   bash scripts/setup.sh          # runtime only (extras hpc, ml)
#   bash scripts/setup.sh --dev    # plus test and lint tools
#
# Environment:
#   CUDISS_VENV   where the virtual environment lives (default: .venv in the repo)
#   PYTHON        interpreter used to create it (default: python3)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${CUDISS_VENV:-$here/.venv}"
python="${PYTHON:-python3}"
extras="hpc,ml"
[[ "${1:-}" == "--dev" ]] && extras="hpc,ml,dev"
torch_version="2.13.0"  # the CPU build; the ml extra in pyproject.toml pins the same

say() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

# 1. Debian packages GPAW (MPI, FFTW, ScaLAPACK) and the test SLURM need.
apt_pkgs=(g++ libxc-dev libopenblas-dev libfftw3-dev libopenmpi-dev openmpi-bin
          libscalapack-openmpi-dev)
missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    say "installing Debian packages: ${missing[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    say "missing Debian packages (${missing[*]}); install them as root, then re-run" ; exit 1
  fi
fi

# 2. Virtual environment.
if [[ ! -x "$venv/bin/python" ]]; then
  say "creating virtual environment at $venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install -q --upgrade pip
fi
pip=("$venv/bin/python" -m pip)

# 3. GPAW with MPI, FFTW and ScaLAPACK (docs/calibration.md, "Installing GPAW"). It compiles
# its C sources as C++, hence mpicxx; openblas must be listed once a
# siteconfig is used.
if ! "$venv/bin/python" -c "import gpaw, _gpaw" 2>/dev/null; then
  say "building GPAW with MPI, FFTW and ScaLAPACK (about a minute)"
  siteconfig="$(mktemp)"
  cat >"$siteconfig" <<'CFG'
mpi = True
compiler = 'mpicxx'
fftw = True
libraries += ['fftw3']
scalapack = True
libraries += ['scalapack-openmpi']
libraries += ['openblas']
CFG
  OMPI_CXX=g++ GPAW_CONFIG="$siteconfig" "${pip[@]}" install -q --no-cache-dir "gpaw==26.7.*"
  rm -f "$siteconfig"
fi

# 4. torch, CPU build, before anything that depends on it: `pip install
# torch==2.13.0` takes the CPU wheel that machines of this kind keep on disk (about
# 30 s). Left to pip's resolver, a bare or open-ended torch requirement would pull
# a CUDA build of several GB.
if ! "$venv/bin/python" -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '$torch_version')" 2>/dev/null; then
  say "installing torch $torch_version (CPU build)"
  "${pip[@]}" install -q --no-cache-dir "torch==$torch_version"
fi

# 5. cudiss itself (editable) with its dependencies, PAW data and the ML potentials
# (sevenn, chgnet: their weights ship in the wheels, nothing is downloaded at run time).
stamp="$venv/.cudiss-installed-$extras"
if [[ ! -f "$stamp" || "$here/pyproject.toml" -nt "$stamp" ]]; then
  say "installing cudiss[$extras] and its dependencies"
  "${pip[@]}" install -q -e "$here[$extras]"
  touch "$stamp"
fi
say "ready: $venv/bin/cudiss"
