"""``python -m sim`` runs the ``tradesim`` command line."""

from sim.cli import main

if __name__ == "__main__":
    main(prog_name="tradesim")
