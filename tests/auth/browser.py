"""A stand-in web browser for the OAuth flow: ``BROWSER="python browser.py %s"``.

Python's ``webbrowser`` waits for the browser command to exit, and the flow's local server
only answers after that, so this forks: the parent exits at once; the child follows the
authorization URL (the token server "consents" and redirects to the flow's localhost address
with the code), as a person clicking "Allow" would.
"""

from __future__ import annotations

import os
import sys
import urllib.request


def main() -> None:
    """Follow ``sys.argv[1]`` in a child process."""
    if os.fork() != 0:
        return
    try:
        with urllib.request.urlopen(sys.argv[1], timeout=30) as answer:
            answer.read()
    finally:
        os._exit(0)


if __name__ == "__main__":
    main()
