"""Hostile images for ``nnzero predict``: random bytes, damaged PNGs (with
and without their checksums repaired), forged headers, odd modes and sizes,
decompression bombs.

``open_image`` + ``image_to_input`` must give a row of ``side * side``
finite values in [0, 1] or an ImageError -- never a Pillow, zlib, struct,
index or memory error -- and a header claiming a huge image is refused
before its pixels are decoded.
"""

import io
import os
import struct
import tracemalloc
import zlib

import numpy as np
import pytest
from hypothesis import strategies as st
from PIL import Image

from fuzzing import DEPTHS, mutated, run
from nnzero.cli.images import MAX_PIXELS, ImageError, image_to_input, open_image

FORMATS = {"PNG": ["1", "L", "LA", "P", "RGB", "RGBA", "I;16"],
           "GIF": ["L", "P"], "BMP": ["1", "L", "P", "RGB"], "JPEG": ["L", "RGB", "CMYK"],
           "TIFF": ["1", "L", "RGB", "RGBA", "I;16", "I", "F", "CMYK"]}


# Bytes per pixel of each mode's raw data ("1" packs eight pixels a byte).
BYTES = {"L": 1, "LA": 2, "P": 1, "RGB": 3, "RGBA": 4, "I;16": 2, "I": 4, "F": 4, "CMYK": 4}


@st.composite
def images(draw, formats=None):
    """Encoded images of every mode a format takes, from raw bytes: noise,
    flat colours, and for float TIFFs NaN, infinities and subnormals."""
    fmt = draw(st.sampled_from(formats or sorted(FORMATS)))
    mode = draw(st.sampled_from(FORMATS[fmt]))
    width, height = draw(st.integers(1, 24)), draw(st.integers(1, 24))
    size = (width + 7) // 8 * height if mode == "1" else width * height * BYTES[mode]
    pattern = st.binary(min_size=1, max_size=4).map(lambda p: (p * size)[:size])
    raw = draw(st.one_of(st.binary(min_size=size, max_size=size), pattern))
    image = Image.frombytes(mode, (width, height), raw)
    buffer = io.BytesIO()
    options = {"transparency": draw(st.integers(0, 255))} if (
        fmt == "PNG" and mode in ("L", "P") and draw(st.booleans())) else {}
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def png_chunks(data):
    chunks, pos = [], 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos: pos + 8])
        chunks.append((kind, data[pos + 8: pos + 8 + length]))
        pos += 12 + length
    return chunks


def png(chunks):
    """A PNG from (type, data) chunks, each with a correct CRC."""
    out = [b"\x89PNG\r\n\x1a\n"]
    for kind, body in chunks:
        out.append(struct.pack(">I", len(body)) + kind + body
                   + struct.pack(">I", zlib.crc32(kind + body)))
    return b"".join(out)


@st.composite
def repaired_pngs(draw):
    """A PNG with one chunk's content damaged and its CRC recomputed, so the
    damage reaches the decoder instead of the checksum test."""
    source = draw(images(formats=("PNG",)))
    chunks = png_chunks(source)
    i = draw(st.integers(0, len(chunks) - 1))
    kind, body = chunks[i]
    if kind == b"IDAT" and draw(st.booleans()):
        raw = zlib.decompress(body)
        body = zlib.compress(draw(mutated(raw)) if raw else b"\x00")
    else:
        body = draw(mutated(body)) if body else draw(st.binary(max_size=16))
    chunks[i] = (kind, body)
    return png(chunks)


@st.composite
def forged_headers(draw):
    """PNGs whose IHDR says anything: sizes up to 2**31, any depth, colour
    type, compression, filter and interlace byte."""
    width = draw(st.one_of(st.integers(0, 64), st.integers(0, 2**31 - 1)))
    height = draw(st.one_of(st.integers(0, 64), st.integers(0, 2**31 - 1)))
    depth = draw(st.sampled_from([1, 2, 4, 8, 16, 0, 3, 32]))
    colour = draw(st.sampled_from([0, 2, 3, 4, 6, 1, 5, 7]))
    tail = draw(st.tuples(st.integers(0, 2), st.integers(0, 2), st.integers(0, 2)))
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, *tail)
    body = draw(st.one_of(st.binary(max_size=64), st.binary(max_size=64).map(zlib.compress)))
    extra = draw(st.lists(st.tuples(st.sampled_from([b"PLTE", b"tRNS", b"zTXt", b"iCCP",
                                                      b"pHYs", b"eXIf", b"acTL", b"fcTL"]),
                                    st.binary(max_size=32)), max_size=2))
    return png([(b"IHDR", ihdr), *extra, (b"IDAT", body), (b"IEND", b"")])


# A damaged header can claim any size up to the limit; decoding tens of
# millions of pixels per case would only slow the search down. The limit's
# own behaviour is tested by the bomb tests below.
FUZZ_PIXELS = 1 << 20


def use_or_refuse(path, data, side):
    path.write_bytes(data)
    try:
        row = image_to_input(open_image(path, max_pixels=FUZZ_PIXELS), side=side)
    except ImageError:
        return
    assert row.shape == (side * side,) and row.dtype == np.float32
    assert np.isfinite(row).all() and row.min() >= 0.0 and row.max() <= 1.0


def check_all(tmp_path, examples, files):
    run(examples, st.tuples(files, st.sampled_from([28, 8])),
        lambda args: use_or_refuse(tmp_path / "digit.png", *args))


@pytest.mark.parametrize("examples", DEPTHS)
def test_valid_images_of_every_mode_and_format(tmp_path, examples):
    check_all(tmp_path, examples, images())


@pytest.mark.parametrize("examples", DEPTHS)
def test_random_and_damaged_bytes(tmp_path, examples):
    check_all(tmp_path, examples, st.one_of(st.binary(max_size=128), images().flatmap(mutated)))


@pytest.mark.parametrize("examples", DEPTHS)
def test_damaged_pngs_with_repaired_checksums(tmp_path, examples):
    check_all(tmp_path, examples, repaired_pngs())


@pytest.mark.parametrize("examples", DEPTHS)
def test_forged_headers(tmp_path, examples):
    check_all(tmp_path, examples, forged_headers())


def _peak(path):
    tracemalloc.start()
    try:
        with pytest.raises(ImageError):
            open_image(path)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("size", [(MAX_PIXELS // 1000 + 1, 1000), (2**31 - 1, 2**31 - 1),
                                  (100_000, 100_000)])
def test_a_huge_header_is_refused_before_decoding(tmp_path, size):
    header = struct.pack(">IIBBBBB", *size, 8, 0, 0, 0, 0)
    path = tmp_path / "bomb.png"
    path.write_bytes(png([(b"IHDR", header), (b"IDAT", zlib.compress(bytes(4096))),
                          (b"IEND", b"")]))
    assert _peak(path) < 1 << 20


def test_a_text_chunk_bomb_is_refused(tmp_path):
    """A zTXt chunk that inflates to 200 MB: Pillow's text limit stops it."""
    pixels = Image.new("L", (8, 8))
    buffer = io.BytesIO()
    pixels.save(buffer, "PNG")
    bomb = b"Comment\x00\x00" + zlib.compress(bytes(200 << 20), 9)
    chunks = png_chunks(buffer.getvalue())
    path = tmp_path / "text-bomb.png"
    path.write_bytes(png([chunks[0], (b"zTXt", bomb), *chunks[1:]]))
    assert path.stat().st_size < 1 << 20
    assert _peak(path) < 8 << 20


def test_compressed_pixels_within_the_limit_decode(tmp_path):
    """Under the pixel limit a highly compressed image is simply decoded."""
    path = tmp_path / "big.png"
    image = Image.new("L", (2000, 2000), 255)
    image.paste(0, (900, 600, 1100, 1400))
    image.save(path)
    assert path.stat().st_size < 100_000
    row = image_to_input(open_image(path))
    assert row.shape == (784,) and row.max() == pytest.approx(1.0)


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts open files in /proc")
def test_no_file_is_left_open(tmp_path):
    """Found by fuzzing: Pillow kept the file of a damaged image, or of a GIF
    or TIFF, open."""
    good = io.BytesIO()
    Image.new("L", (6, 6), 255).save(good, "GIF")
    damaged = png([(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 0, 0, 0, 0)),
                   (b"IDAT", zlib.compress(bytes(5))), (b"IEND", b"")])
    paths = []
    for name, data in [("a.gif", good.getvalue()), ("b.png", damaged), ("c.png", b"\x89PNG")]:
        paths.append(tmp_path / name)
        paths[-1].write_bytes(data)
    before = len(os.listdir("/proc/self/fd"))
    images = []
    for path in paths:
        try:
            images.append(open_image(path))
        except ImageError:
            pass
    assert len(os.listdir("/proc/self/fd")) == before
    assert len(images) == 1 and images[0].size == (6, 6)


# Two float ("F") TIFF files the fuzz run found: one pixel of a subnormal
# value (its cast to float32 underflows) and one NaN pixel. The first is a
# usable image or a blank one, the second is refused; neither
# may raise NumPy's floating-point errors, which the suite turns on.
_SUBNORMAL_TIFF = bytes.fromhex(
    "49492a00080000000a0000010400010000000100000001010400010000000300000002010300"
    "0100000020000000030103000100000001000000060103000100000001000000110104000100"
    "00008600000016010400010000000300000017010400010000000c0000001c01030001000000"
    "0100000053010300010000000300000000000000000000000000004c00000001")
_NAN_TIFF = bytes.fromhex(
    "49492a00080000000a0000010400010000000100000001010400010000000100000002010300"
    "0100000020000000030103000100000001000000060103000100000001000000110104000100"
    "0000860000001601040001000000010000001701040001000000040000001c01030001000000"
    "01000000530103000100000003000000000000000000817f")


@pytest.mark.parametrize("data", [_SUBNORMAL_TIFF, _NAN_TIFF], ids=["subnormal", "nan"])
def test_float_images_with_extreme_values_are_used_or_refused(tmp_path, data):
    use_or_refuse(tmp_path / "digit.tif", data, 28)
