"""Validation of the project's geometry against motion capture (MOPED25 box lift).

The trial's skin markers are turned into joint centres and MediaPipe's 33 landmarks
(:mod:`.mocap`), seen through virtual cameras (:mod:`.camera`), fed to ``posture analyze
--landmarks`` exactly like landmarks from a video, and the measures are compared with reference
values computed directly from the markers (:mod:`.reference`, :mod:`.compare`).

Run ``python -m posture.validation --write-docs`` to regenerate ``docs/validation.md``.
The data stay in ``../shared/mocap``; nothing derived from them is written into the repository
except the error table.
"""
