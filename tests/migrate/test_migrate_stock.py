#!/usr/bin/env python3
"""Stock virtio_balloon free page hinting: a cancelled migration, then 2
ping-pong migrations with churn on: integrity + clean kernel each time."""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pingpong  # noqa: E402

pingpong.main("stock", cancel_first=True)
