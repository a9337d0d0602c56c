"""Reading an environment's resident memory from /proc: the whole tree, or the processes last found."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from lamina.runtime.memory import ProcessTree, tree_rss_bytes

PARENT = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
print(child.pid, flush=True)
child.wait()  # reaped at once when killed: no zombie left in the tree
time.sleep(60)
"""


def test_a_tree_counts_children_and_walks_again_when_one_has_gone() -> None:
    """A tree of its own (a parent and its sleeping child), not the test process's, whose other
    children (servers of other tests) change size while it is read."""
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        tree = ProcessTree(parent.pid)
        with_child = tree.walk()
        assert abs(with_child - tree_rss_bytes(parent.pid)) < 1 << 22
        assert child in tree._known and tree.rss_bytes() > 0
        os.kill(child, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while os.path.exists(f"/proc/{child}") and time.monotonic() < deadline:
            time.sleep(0.01)
        alone = tree.rss_bytes()  # the child's statm is gone: the tree is walked again
        assert child not in tree._known and 0 < alone < with_child
    finally:
        parent.kill()
        parent.wait()
        if parent.stdout is not None:
            parent.stdout.close()
