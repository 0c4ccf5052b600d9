"""The render stage: narration, footage and burned-in captions into one H.264/AAC MP4."""
