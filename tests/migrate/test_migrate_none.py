#!/usr/bin/env python3
"""2 ping-pong migrations, no balloon driver, churn on: integrity + clean kernel."""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pingpong  # noqa: E402

pingpong.main("none")
