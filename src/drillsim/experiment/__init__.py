"""Experiments on a scenario: replications and their precision, local, parallel or on a cluster, paired
comparisons, sweeps, the per-replication numbers they are judged by, and the run directory.

Above the results (which compute a run's figures) and below the API (which
only re-exports what analysts call): every module here may run the model
many times, nothing below it does. Import the modules themselves, e.g.
`drillsim.experiment.replications.run`; this package re-exports nothing, so
that no function name is ever shadowed by a submodule of the same name.
"""
