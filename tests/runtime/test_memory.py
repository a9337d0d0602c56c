"""Reading an environment's resident memory from /proc: the whole tree, or the processes last found."""

from __future__ import annotations

import os
import subprocess
import sys

from lamina.runtime.memory import ProcessTree, tree_rss_bytes


def test_a_tree_counts_children_and_walks_again_when_one_has_gone() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        tree = ProcessTree(os.getpid())
        with_child = tree.walk()
        assert with_child == tree_rss_bytes(os.getpid()) or abs(with_child - tree_rss_bytes(os.getpid())) < 1 << 22
        assert child.pid in tree._known and tree.rss_bytes() > 0
        child.kill()
        child.wait()
        alone = tree.rss_bytes()  # the child's statm is gone: the tree is walked again
        assert child.pid not in tree._known and 0 < alone < with_child
    finally:
        child.kill()
        child.wait()
