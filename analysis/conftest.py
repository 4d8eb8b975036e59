"""pytest only: the docstring examples of this folder run in ``cudiss.analysis.*``.

See ``structures/conftest.py``.
"""

from cudiss.structures.conftest import alias_installed

alias_installed(__file__, "cudiss.analysis")
