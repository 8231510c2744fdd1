"""Pictures: video files and cameras, the pose model, tracking people, drawing and rendering."""
