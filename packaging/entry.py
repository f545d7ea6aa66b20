"""Entry point frozen by PyInstaller: the same CLI as the `therapynotes` command."""

import sys

from therapynotes.cli import main

if __name__ == "__main__":
    sys.exit(main())
