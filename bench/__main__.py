"""`python -m bench` runs every benchmark module in turn."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import bench

for info in pkgutil.iter_modules(bench.__path__):
    if info.name.endswith("_bench"):
        print(f"\n== {info.name} ==", flush=True)
        sys.argv = [info.name]
        importlib.import_module(f"bench.{info.name}").main()
