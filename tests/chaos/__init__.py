"""The chaos suite: one seeded scenario that tries hard to lose, double or leak work.

``python -m tests.chaos [--full] [--seed N]`` runs it and prints a report; ``make chaos`` runs
the full version. ``test_chaos_reduced.py`` runs a smaller one inside the normal test command.

``settings`` sizes a run, ``processes`` starts and kills the emulator, the agents and the person,
``run`` is the scenario's timeline (setup, monitor, chaos, drain), and ``report`` audits the sheet
afterwards and prints the report.
"""
