"""Percentiles of a stream, in constant time and memory."""

from __future__ import annotations

import math

import numpy as np


class RunningPercentile:
    """The ``q``-th percentile of the positive values seen so far, in constant time and memory:
    a histogram of their logarithms in bins of ``step`` (0.5 %)."""

    def __init__(self, q: float, lo: float = 1e-3, hi: float = 1e3, step: float = 0.005) -> None:
        self.q, self.lo, self.step = q, math.log(lo), step
        self.counts = np.zeros(math.ceil((math.log(hi) - self.lo) / step) + 1, np.int64)
        self.n = 0

    def add(self, x: float) -> None:
        if math.isfinite(x) and x > 0:
            k = int((math.log(x) - self.lo) / self.step)
            self.counts[min(max(k, 0), len(self.counts) - 1)] += 1
            self.n += 1

    def value(self) -> float:
        """The percentile (the middle of its bin), NaN before any value."""
        if self.n == 0:
            return float("nan")
        k = int(np.searchsorted(np.cumsum(self.counts), self.q / 100.0 * self.n))
        return math.exp(self.lo + (min(k, len(self.counts) - 1) + 0.5) * self.step)
