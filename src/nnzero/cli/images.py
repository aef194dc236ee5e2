"""Turn any picture of a digit (or garment) into a model input the way MNIST's were made.

MNIST digits are white on black, their ink scaled to fit a 20x20 box with
its aspect kept, then placed in a 28x28 field so that its centre of mass
is at the centre. :func:`image_to_input` does the same to a photo or a
drawing of any size and colour: grayscale, white background inverted,
cropped to the ink, resized, centred.

Example
-------
>>> from PIL import Image, ImageDraw
>>> from nnzero.cli.images import image_to_input
>>> picture = Image.new("RGB", (120, 90), "white")
>>> ImageDraw.Draw(picture).line([(60, 10), (60, 80)], fill="black", width=8)
>>> x = image_to_input(picture)
>>> x.shape, round(float(x.max()), 2)
((784,), 1.0)
"""

from __future__ import annotations

import os
import warnings

import numpy as np

from ..errors import InvalidArgumentError

__all__ = ["MAX_PIXELS", "ImageError", "image_to_input", "open_image"]

#: Largest image opened (width x height). Bigger files are refused before
#: their pixels are decoded, so a small file that claims an enormous size
#: (a "decompression bomb") cannot exhaust memory.
MAX_PIXELS = 40_000_000

_INK_THRESHOLD = 0.2  # share of full contrast above which a pixel counts as ink


class ImageError(InvalidArgumentError):
    """A file cannot be used as an input image."""


def open_image(path, max_pixels: int = MAX_PIXELS):
    """Open an image file with Pillow, refusing anything over ``max_pixels``.

    Returns a fully loaded ``PIL.Image.Image``, turned upright as its EXIF
    orientation says, that needs the file no longer.

    Example
    -------
    >>> from nnzero.cli.images import open_image
    >>> open_image("/nonexistent.png")
    Traceback (most recent call last):
    ...
    nnzero.cli.images.ImageError: Cannot read image '/nonexistent.png': ...
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    where = os.fspath(path)
    try:
        # The file is ours to open and close: Pillow leaves a file it opened
        # itself open when a plugin or its size check fails.
        with open(where, "rb") as handle, warnings.catch_warnings():
            # Pillow only warns between its limit and twice it; make that an error too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(handle)
            width, height = image.size
            if width * height > max_pixels:
                raise ImageError(
                    f"Image {where!r} is {width}x{height} pixels, more than the "
                    f"{max_pixels:,} this command opens."
                )
            # Decoded and turned upright while the file is open: the result
            # needs it no longer (a GIF's or TIFF's frames would).
            return ImageOps.exif_transpose(image)
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise ImageError(f"Image {where!r} is too large to open safely: {err}") from None
    except UnidentifiedImageError:
        raise ImageError(f"{where!r} is not an image Pillow can read.") from None
    except (OSError, ValueError, SyntaxError) as err:
        raise ImageError(f"Cannot read image {where!r}: {err}") from None


def image_to_input(image, side: int = 28, box: int | None = None) -> np.ndarray:
    """A ``side*side`` float32 row in [0, 1]: light ink on black, centred.

    ``box`` is the size the ink is scaled to fit (default 20 for MNIST's
    28x28, else the whole ``side``).

    Raises
    ------
    ImageError
        The image is blank (no ink stands out from the background).

    Example
    -------
    >>> from PIL import Image
    >>> from nnzero.cli.images import image_to_input
    >>> image_to_input(Image.new("L", (10, 10), 255))
    Traceback (most recent call last):
    ...
    nnzero.cli.images.ImageError: The image is blank: no ink stands out from its background.
    """
    from PIL import Image, ImageOps

    if box is None:
        box = 20 if side == 28 else side
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        # Transparent pixels are background: lay the picture on white.
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    gray = _gray(image)
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    if np.median(border) > 0.5:
        gray = 1.0 - gray  # dark ink on a light background, as people draw
    background = float(np.median(np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])))
    contrast = float(gray.max()) - background
    if contrast < 0.05:
        raise ImageError("The image is blank: no ink stands out from its background.")
    gray = np.clip((gray - background) / contrast, 0.0, 1.0)

    rows = np.flatnonzero((gray > _INK_THRESHOLD).any(axis=1))
    cols = np.flatnonzero((gray > _INK_THRESHOLD).any(axis=0))
    ink = gray[rows[0]: rows[-1] + 1, cols[0]: cols[-1] + 1]
    height, width = ink.shape
    scale = box / max(height, width)
    new_size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = Image.fromarray(np.round(ink * 255).astype(np.uint8)).resize(
        new_size, Image.Resampling.LANCZOS)
    small = np.asarray(small, dtype=np.float32) / 255.0
    return _centre(small, side).reshape(-1)


def _gray(image) -> np.ndarray:
    """The image as gray levels in [0, 1]. 8-bit images are scaled from
    0-255; float ("F") and 32-bit ("I") images keep values already in [0, 1]
    and are scaled by their own range otherwise, rather than clipped to
    0-255 as Pillow's own conversion to "L" would (a float image in [0, 1]
    then looks blank)."""
    if image.mode not in ("F", "I", "I;16", "I;16B", "I;16L"):
        return np.asarray(image.convert("L"), dtype=np.float32) / 255.0
    # A damaged or forged file can hold NaN, infinities or subnormal values:
    # the casts below must not raise NumPy's floating-point errors (which the
    # caller may have turned into exceptions); non-finite values are refused
    # and a value too small for float32 becomes 0, the right gray level.
    with np.errstate(invalid="ignore", under="ignore", over="ignore"):
        values = np.asarray(image, dtype=np.float64)
        if not np.isfinite(values).all():
            raise ImageError("The image holds values that are not finite numbers.")
        low, high = float(values.min()), float(values.max())
        if low >= 0.0 and high <= 1.0:
            gray = values
        elif low >= 0.0 and high <= 255.0 and image.mode in ("F", "I"):
            gray = values / 255.0
        else:
            gray = (values - low) / ((high - low) or 1.0)
        gray = gray.astype(np.float32)
    if not np.isfinite(gray).all():  # a range too wide for float64
        raise ImageError("The image's values span a range too wide to scale to gray levels.")
    return gray


def _centre(ink: np.ndarray, side: int) -> np.ndarray:
    """Place ``ink`` in a ``side x side`` field with its centre of mass in the middle."""
    height, width = ink.shape
    total = float(ink.sum())
    if total > 0:
        ys, xs = np.indices(ink.shape)
        cy, cx = float((ys * ink).sum()) / total, float((xs * ink).sum()) / total
    else:
        cy, cx = (height - 1) / 2, (width - 1) / 2
    middle = (side - 1) / 2
    # Keep the whole box inside the field even when the mass is off-centre.
    top = int(np.clip(round(middle - cy), 0, side - height))
    left = int(np.clip(round(middle - cx), 0, side - width))
    field = np.zeros((side, side), dtype=np.float32)
    field[top: top + height, left: left + width] = ink
    return field
