"""Running an analysis end to end: recorded videos, live streams, batches, and writing the
outputs.
"""
