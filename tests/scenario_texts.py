"""Scenario texts shared by several test modules."""

# A prisoner's dilemma over one lever per side whose payoffs are parameters: grim trigger with
# Nash reversion keeps (C, C) for a side iff delta >= (T - R) / (T - P).
PD_LEVERS = """
[scenario]
name = "PD with parameters"

[parameters]
T = { value = 5.0, assumption = "temptation" }
R = { value = 3.0, assumption = "reward" }
P = { value = 1.0, assumption = "punishment" }
S = { value = 0.0, assumption = "sucker" }

[players.row]
name = "Row"
discount = 0.6
[players.row.levers.act]
levels = [0, 1]
labels = ["C", "D"]
[players.row.payoff]
u = "R*(1-row.act)*(1-col.act) + S*(1-row.act)*col.act + T*row.act*(1-col.act) + P*row.act*col.act"

[players.col]
name = "Col"
discount = 0.6
[players.col.levers.act]
levels = [0, 1]
labels = ["C", "D"]
[players.col.payoff]
u = "R*(1-row.act)*(1-col.act) + S*row.act*(1-col.act) + T*(1-row.act)*col.act + P*row.act*col.act"

[repeated]
rounds = 10
noise = 0.05
cooperative = { row = "act=C", col = "act=C" }
strategies = { row = "tit_for_tat", col = "deadline_truce:k=3" }
"""



def matrix_game(name: str, row: str, col: str) -> str:
    """A two-by-two matrix game over actions C and D; ``row`` and ``col`` are TOML matrices."""
    return f"""
[scenario]
name = "{name}"
[players.row]
name = "Row"
actions = ["C", "D"]
[players.col]
name = "Col"
actions = ["C", "D"]
[payoffs]
row = {row}
col = {col}
"""


PD = matrix_game("pd", "[[3, 0], [5, 1]]", "[[3, 5], [0, 1]]")


LEVERS = """
[scenario]
name = "levers"
[parameters]
k = { value = 2.0, source = "test" }
z = { value = 0.0, assumption = "test" }
[players.a]
name = "A"
[players.a.levers.x]
levels = [0, 1, 2]
[players.a.payoff]
gain = "k * a.x"
[players.b]
name = "B"
[players.b.levers.y]
levels = [0, 1]
labels = ["low", "high"]
[players.b.payoff]
gain = "b.y - a.x"
"""
