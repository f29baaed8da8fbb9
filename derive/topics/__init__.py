"""The registry of topics: id -> where its derivation lives.

Kept free of SymPy so that ``derive --help`` and ``derive list`` stay fast to start. Each topic
module exposes ``build(**options) -> Derivation``; ``load`` imports it on demand.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    module: str
    #: Optional "module:function" of a light CLI module whose function returns the typer command
    #: for a topic with options of its own (e.g. ``derive glm logistic``); default: the generic one.
    cli: str | None = None

    def build(self, **options):
        """Import the topic module and build its (proved) derivation."""
        return importlib.import_module(self.module).build(**options)


TOPICS: dict[str, Topic] = {
    t.id: t
    for t in [
        Topic("sigmoid", "The logistic sigmoid: derivative, symmetry, tanh and logit", "derive.topics.sigmoid"),
        Topic("softmax", "Softmax: Jacobian, shift invariance and the cross-entropy gradient", "derive.topics.softmax"),
        Topic("dropout", "Dropout: inverted scaling keeps the expectation", "derive.topics.dropout"),
        Topic("glm", "Generalized linear models: NLL, gradients, the GLM table, the Poisson activation",
              "derive.topics.glm", cli="derive.cli.topic_glm:glm_command"),
        Topic("mse-nll", "Mean squared error as the Gaussian NLL; the MLE of the variance", "derive.topics.mse_nll"),
        Topic("lagrange", "Lagrange multipliers: x + y on the unit circle", "derive.topics.lagrange"),
        Topic("maxent", "Maximum entropy: the uniform distribution and softmax as the maximum-entropy classifier",
              "derive.topics.maxent"),
        Topic("fscore", "F-scores: F1, F-beta, means, micro and macro averaging", "derive.topics.fscore"),
        Topic("poisson", "The Poisson distribution: binomial limit, mean and variance", "derive.topics.poisson"),
        Topic("mlp", "Backpropagation through an MLP with one hidden layer (minibatch matrix form)",
              "derive.topics.mlp"),
        Topic("relu-approximation", "Universal approximation: k ReLUs reproduce a piecewise-linear interpolant",
              "derive.topics.relu_approximation", cli="derive.cli.topic_relu:relu_command"),
        Topic("squash-approximation", "Universal approximation: compressed sigmoids make a staircase",
              "derive.topics.squash_approximation", cli="derive.cli.topic_squash:squash_command"),
    ]
}


class UnknownTopicError(KeyError):
    """Raised for a topic id that is not in :data:`TOPICS`."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        return f"unknown topic {self.name!r}; topics: {', '.join(TOPICS)}"


def get(topic_id: str) -> Topic:
    try:
        return TOPICS[topic_id]
    except KeyError:
        raise UnknownTopicError(topic_id) from None
