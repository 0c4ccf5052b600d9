"""The footage stage: a background clip per query segment, from Pexels, Pixabay, a local
folder, or generated when none of them has one."""
