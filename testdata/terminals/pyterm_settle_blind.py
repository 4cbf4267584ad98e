#!/usr/bin/env python3
"""A broken terminal for the evidence checker's tests: pyterm with PYTERM_BUG=settle-blind."""
import os, runpy
os.environ["PYTERM_BUG"] = "settle-blind"
runpy.run_path(os.path.join(os.path.dirname(os.path.abspath(__file__)), "pyterm.py"), run_name="__main__")
