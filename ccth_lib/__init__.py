"""ccth_lib: the Python package behind the Shropshire Care Closer to Home evidence record.

Layers (data flows one way):

* :mod:`ccth_lib.sources`    – the registry of source documents, checksums, line access
* :mod:`ccth_lib.data`       – loading and schema validation of the transcribed tables
* :mod:`ccth_lib.provenance` – checks that every value is anchored in its source text
* :mod:`ccth_lib.reconcile`  – findings where the sources disagree with themselves
* :mod:`ccth_lib.models`     – pure, parameterised re-derivations of the programme figures
* :mod:`ccth_lib.charts`     – accessible, offline Altair charts
* :mod:`ccth_lib.notebooks`  – papermill orchestration with input digests (never stale)
* :mod:`ccth_lib.cli`        – the ``ccth`` command
"""

__version__ = "0.1.0"
