#!/usr/bin/env sh
# Download the public clips posture is tested with into sample_videos/downloaded/ (not committed).
# Each comes from a public repository under its own licence (see the table); by running this you
# accept those terms. Needs internet access and curl.
set -eu
dir="$(dirname "$0")/downloaded"
mkdir -p "$dir"

get() {  # name url source licence
  if [ -s "$dir/$1" ]; then echo "have $1"; return; fi
  echo "fetching $1  (from $3, licence: $4)"
  curl -fsSL --retry 2 -o "$dir/$1.part" "$2" && mv "$dir/$1.part" "$dir/$1" \
    || { rm -f "$dir/$1.part"; echo "  could not download $1 (moved upstream?): $2" >&2; }
}

get floor_lift_knees_bent_side.mp4 \
  https://raw.githubusercontent.com/jeff-j-chen/MediaPipe-PoseReader/main/videos/good.mp4 \
  "jeff-j-chen/MediaPipe-PoseReader videos/good.mp4" "none stated"
get hip_hinge_straight_knees_side.mp4 \
  https://raw.githubusercontent.com/jeff-j-chen/MediaPipe-PoseReader/main/videos/rdl.mp4 \
  "jeff-j-chen/MediaPipe-PoseReader videos/rdl.mp4" "none stated"
get bodyweight_squats_side.mp4 \
  https://raw.githubusercontent.com/brunobedo/mediapipe2dangle/main/videos/video_test_1.mp4 \
  "brunobedo/mediapipe2dangle videos/video_test_1.mp4" "GPL-3.0"
get two_people_outdoor_backlight.mp4 \
  https://raw.githubusercontent.com/davidpagnon/Sports2D/main/Sports2D/Demo/demo.mp4 \
  "davidpagnon/Sports2D Sports2D/Demo/demo.mp4" "BSD-3-Clause"

echo "done: $dir (analyse one with: .venv/bin/posture analyze $dir/<clip> --out results/)"
