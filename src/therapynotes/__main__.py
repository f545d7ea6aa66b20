"""`python -m therapynotes` runs the command-line interface."""

import sys

from therapynotes.cli import main

sys.exit(main())
