"""``cudiss build`` and ``cudiss sites`` (filled in by the structures work)."""

from cudiss.workflows.cli import app  # noqa: F401
