"""Games with state: Markov perfect equilibria by backward induction, enumeration, value iteration
and Shapley's iteration, each verified by the one-shot deviation principle (:mod:`sim.dynamic.solve`)."""
