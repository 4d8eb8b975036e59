"""Reading back the figures the plotting code writes."""

from __future__ import annotations

import matplotlib.image as mpimg


def png_size(path) -> tuple[int, int]:
    """(width, height) in pixels of a PNG file."""
    img = mpimg.imread(path)
    return img.shape[1], img.shape[0]
