"""What every bench script needs: the wall time of one call."""

import time


def seconds(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started
