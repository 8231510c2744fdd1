"""The second look: a person the pose model lost for a moment (e.g. while two people overlap) is
looked for again in a crop of the frame around where they should be, by a one-person pose model.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from posture.core.config import PoseSettings
from posture.video.pose import Crop, CropPoseEstimator, DetectedPose, ModelInfo, crop_around
from posture.video.tracking import PersonTracker

#: Crops tried for a second look, as multiples of the person's box: a wide one, then, if that
#: found someone else (a person standing close, e.g. handing over a box), a tight one.
CROP_SCALES = (1.5, 1.15)


class SecondLook:
    """Looks again for the people the pose model lost in the newest frame: for each track seen
    within ``within_s`` seconds, the crop of the frame around where it should be goes through
    ``look`` (a one-person pose model, e.g.
    :class:`posture.video.pose.CropPoseEstimator`), and a pose
    found where that person should be is added to their track (:meth:`PersonTracker.recover`).
    """

    def __init__(
        self,
        look: Callable[[np.ndarray, Crop], DetectedPose | None],
        within_s: float,
        close: Callable[[], None] | None = None,
    ) -> None:
        self.look = look
        self.within_s = within_s
        self._close = close

    @classmethod
    def with_pose_model(
        cls, pose: PoseSettings, model: ModelInfo, within_s: float
    ) -> SecondLook | None:
        """A second look through its own
        :class:`posture.video.pose.CropPoseEstimator` (loaded at the
        first look); None when ``within_s`` (``tracking.recover_s``) is 0."""
        if within_s <= 0:
            return None
        crops = CropPoseEstimator(pose, model)
        return cls(crops.detect, within_s, crops.close)

    def close(self) -> None:
        if self._close is not None:
            self._close()

    def __call__(self, tracker: PersonTracker, rgb: np.ndarray) -> list[tuple[int, DetectedPose]]:
        """``(track id, pose)`` of each person found again in ``rgb``, the newest frame."""
        size = (rgb.shape[1], rgb.shape[0])
        added = []
        for track_id, box in tracker.missing(self.within_s):
            for scale in CROP_SCALES:
                crop = crop_around(box, size, scale)
                pose = self.look(rgb, crop) if crop is not None else None
                if pose is not None and tracker.recover(track_id, pose, rgb):
                    added.append((track_id, pose))
                    break
        return added
