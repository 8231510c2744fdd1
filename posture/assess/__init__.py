"""Judging one person's measures: lifts, risk rules, cues, scores and the analysis that composes
them.
"""
