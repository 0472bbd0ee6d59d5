"""armsgraph: an arms-transfer knowledge graph that traces backfill chains.

Importing this package is cheap and has no side effects; the heavy parts
(RDF store, SPARQL engine, networkx) load when first used.

>>> from graph import load_dataset
>>> dataset = load_dataset()
>>> dataset.actor("POL").name
'Poland'
"""

from .dataset import Dataset
from .errors import ArmsgraphError, DataError, Location, Problem, Severity, UsageError
from .load import LoadReport, check_dataset, load_dataset

__all__ = [
    "ArmsgraphError",
    "DataError",
    "Dataset",
    "LoadReport",
    "Location",
    "Problem",
    "Severity",
    "UsageError",
    "check_dataset",
    "load_dataset",
]

__version__ = "0.1.0"
