"""Models: pure, parameterised re-derivations of the programme's figures.

* :mod:`.rounding`   – explicit rounding rules, which rule reproduces the stated numbers, and the
  tie-break order used to choose a default
* :mod:`.parameters` – the validated parameter set (every assumption named)
* :mod:`.defaults`   – default parameters read from the evidence, with provenance (I/O)
* :mod:`.chain`      – the programme paper's chain (avoidance target → localities → trajectory)
* :mod:`.findings`   – runs the chain and compares each derived figure with the stated one; the
  evidence behind the analysis' choices (rounding rules, percentage places, the table's rates)
* :mod:`.strategy`   – the 2020–21 strategy: frailty projections and finance totals
* :mod:`.method`     – where the paper's method and the documents' figures do not hold, quantified
  (the method and plausibility checks of ``data/checks/``)
* :mod:`.register`   – the reconciliation register: the models' findings and the declared checks'
"""
