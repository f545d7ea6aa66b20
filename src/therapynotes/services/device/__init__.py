"""Device checks (issue 16): is the computer the records live on itself protected?

Each check is a small function of the real tool's output (parsers.py, one per platform,
tested on recorded outputs) plus `run_checks`, which runs the tools of this platform
(runner.py) and never guesses: when a tool is missing, refuses or prints something not
understood, the answer is "unknown". Used by `therapynotes doctor` and by "This
computer" in Settings. Must not import PySide6.
"""
