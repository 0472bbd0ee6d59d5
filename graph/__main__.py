"""``python -m graph`` runs the ``armsgraph`` command line."""

from .cli import main

main()
