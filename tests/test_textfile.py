"""Text data files read once from the start: gzip by content, pipes, headers."""

import gzip
import os
import threading

import pytest

import nnzero as nz
from nnzero.datasets.textfile import name_original, read_header, readable_twice


def test_header_names_and_delimiter(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("\n\na\tb c\t d\n1\t2\t3\n")
    assert read_header(path) == (["a", "b c", "d"], "\t")
    assert read_header(path, delimiter=",") == (["a\tb c\t d"], ",")


def test_header_of_gzipped_file(tmp_path):
    path = tmp_path / "a.csv.gz"
    path.write_bytes(gzip.compress(b"x,y\n1,2\n"))
    assert read_header(path) == (["x", "y"], ",")


@pytest.mark.parametrize("content, message", [
    (b"", "is empty"),
    (b"\n \n", "is empty"),
    (b"\xff\xfe,a\n", "not utf-8 text"),
    (gzip.compress(b"x" * 10000)[:20], "not a valid gzip file"),
])
def test_bad_headers(tmp_path, content, message):
    path = tmp_path / "a.csv"
    path.write_bytes(content)
    with pytest.raises(nz.DataFormatError, match=message):
        read_header(path)


def test_regular_file_is_read_in_place(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("x\n")
    with readable_twice(path) as same:
        assert same == path


def test_pipe_is_copied_and_the_copy_removed(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_text("x,y\n1,2\n"))
    writer.start()
    try:
        with readable_twice(fifo) as copy:
            assert copy != fifo
            assert read_header(copy) == (["x", "y"], ",")
            assert open(copy).read() == "x,y\n1,2\n"  # read a second time
    finally:
        writer.join()
    assert not os.path.exists(copy)


def test_missing_file_is_left_to_the_reader(tmp_path):
    with readable_twice(tmp_path / "nope") as path:
        assert path == tmp_path / "nope"


def test_name_original():
    err = nz.DataFormatError("/tmp/nnzero-1.data, line 3: bad")
    renamed = name_original(err, "/tmp/nnzero-1.data", "/dev/fd/63")
    assert type(renamed) is nz.DataFormatError
    assert str(renamed) == "/dev/fd/63, line 3: bad"
    assert name_original(err, "/elsewhere", "x") is err


def test_gzipped_file_is_decompressed_into_a_copy(tmp_path):
    path = tmp_path / "a.csv.gz"
    path.write_bytes(gzip.compress(b"x,y\n1,2\n"))
    with readable_twice(path) as copy:
        assert copy != path and open(copy).read() == "x,y\n1,2\n"
    assert not os.path.exists(copy)


def test_broken_gzip_is_a_clear_error(tmp_path):
    path = tmp_path / "a.csv.gz"
    path.write_bytes(gzip.compress(b"x,y\n" * 1000)[:30])
    with pytest.raises(nz.DataFormatError, match="not a valid gzip file"), \
            readable_twice(path):
        pass
