"""posture: ergonomics and lifting-risk analysis from video.

Layers point one way: landmarks (data types) -> geometry -> measures -> filtering ->
scoring / rules -> cues -> report / drawing -> pipeline -> cli and app.
"""

__version__ = "0.1.0"
