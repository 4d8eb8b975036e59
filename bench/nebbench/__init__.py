"""The NEB cost benchmark's parts; ``bench/bench_neb.py`` is the command that runs them.

- :mod:`nebbench.metering`: one way of counting calculator calls and SCF
  iterations for every method (real calculators and surrogates), GPAW log parsing.
- :mod:`nebbench.cases`: the NEB problems (endpoints, calculator, methods).
- :mod:`nebbench.methods`: the NEB methods compared on a shared band.
- :mod:`nebbench.endpoints`: the shared relaxed endpoints, and the endpoint
  relaxation study (plain BFGS against MLIP pre-relaxed).
- :mod:`nebbench.ratios`: ratios to plain BFGS and the issue's target verdicts.
- :mod:`nebbench.report` and :mod:`nebbench.notes`: ``RESULTS.md``.
"""
