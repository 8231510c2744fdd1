"""Exceptions the library raises. Each message is one line a user can act on.

The CLI and the dashboard catch :class:`PostureError` and show its message, never a traceback.
"""

from __future__ import annotations


class PostureError(Exception):
    """Base of every error the user should see as one line."""


class InputError(PostureError):
    """The input (file, camera, landmark array) cannot be used, and why."""


class VideoError(InputError):
    """A video cannot be opened or decoded."""


class CameraError(InputError):
    """A camera cannot be opened or stopped delivering frames."""


class ModelError(PostureError):
    """No usable pose model was found or it failed to load."""


class ConfigError(PostureError):
    """A setting is unknown, of the wrong type or out of its valid range."""


class NoPersonError(PostureError):
    """No person was found in the input."""
