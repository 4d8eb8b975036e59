"""``python -m cudiss.workflows.cli``: the ``cudiss`` command."""

from cudiss.workflows.cli import main

if __name__ == "__main__":
    main()
