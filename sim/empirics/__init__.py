"""Scenarios against evidence: replay of dated moves, fitting by logit quantal response, robustness.

``replay`` scores a scenario's predictions against a CSV of dated moves, ``fit`` estimates chosen
parameters by maximum likelihood, and ``robust`` draws every parameter from its range or prior and
reports each conclusion as a probability, with the parameters that drive it and its knife edges.
"""
