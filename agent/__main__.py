"""``python -m agent`` does what ``orc`` does."""

from agent.cli import main

if __name__ == "__main__":
    main()
