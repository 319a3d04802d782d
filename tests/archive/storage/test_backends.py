"""One suite, both backends: a local folder and S3 (moto's HTTP server) keep exactly the same promises."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from kholuutru.archive.errors import InvalidInput
from kholuutru.archive.settings import Settings
from kholuutru.archive.storage import (
    LocalStorage,
    ObjectConflict,
    ObjectMissing,
    S3Storage,
    StorageUnavailable,
    open_storage,
)

KEY = "sha256/ab/cd/abcd0123"


class Unseekable(io.RawIOBase):
    """A pipe-like stream: readable once, no seek (as a request body can be)."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def read(backend, key: str) -> bytes:
    with backend.storage.open(key) as stream:
        return stream.read()


def test_put_then_read_back_from_a_stream_and_from_a_path(backend, tmp_path):
    backend.storage.put(KEY, io.BytesIO(b"noi dung"))
    source = tmp_path / "source.bin"
    source.write_bytes(b"tu tep")
    backend.storage.put("sha256/ef/01/ef01", source)
    backend.storage.put("sha256/ef/02/ef02", Unseekable(b"tu ong dan"))
    assert read(backend, KEY) == b"noi dung"
    assert read(backend, "sha256/ef/01/ef01") == b"tu tep"
    assert read(backend, "sha256/ef/02/ef02") == b"tu ong dan"


def test_large_objects_stream_in_chunks(backend):
    data = bytes(range(256)) * 20_000  # 5 MB, several read chunks
    backend.storage.put(KEY, io.BytesIO(data))
    with backend.storage.open(KEY) as stream:
        first = stream.read(1000)
        rest = stream.read()
    assert first + rest == data


def test_same_bytes_again_is_idempotent_different_bytes_are_refused(backend):
    backend.storage.put(KEY, io.BytesIO(b"ban goc"))
    backend.storage.put(KEY, io.BytesIO(b"ban goc"))
    with pytest.raises(ObjectConflict) as refused:
        backend.storage.put(KEY, io.BytesIO(b"ban sua"))
    assert refused.value.field == "key" and "ghi đè" in refused.value.message("vi")
    assert read(backend, KEY) == b"ban goc"


def test_exists_and_delete(backend):
    assert not backend.storage.exists(KEY)
    backend.storage.put(KEY, io.BytesIO(b"x"))
    assert backend.storage.exists(KEY)
    backend.storage.delete(KEY)
    assert not backend.storage.exists(KEY)
    backend.storage.delete(KEY)  # deleting what is gone is not an error


def test_reading_a_missing_object_says_so(backend):
    with pytest.raises(ObjectMissing) as missing:
        backend.storage.open("sha256/00/00/0000")
    assert missing.value.key == "sha256/00/00/0000" and missing.value.http_status == 404


def test_iter_keys_lists_by_prefix_with_times_and_sizes(backend):
    before = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    for key, data in (("sha256/aa/00/aa00", b"1"), ("sha256/ab/00/ab00", b"22"), ("other/x", b"333")):
        backend.storage.put(key, io.BytesIO(data))
    listed = {info.key: info for info in backend.storage.iter_keys("sha256/")}
    assert set(listed) == {"sha256/aa/00/aa00", "sha256/ab/00/ab00"}
    assert listed["sha256/ab/00/ab00"].size == 2
    assert all(before < info.last_modified <= dt.datetime.now(dt.UTC) for info in listed.values())
    assert [i.key for i in backend.storage.iter_keys("sha256/a")] == ["sha256/aa/00/aa00", "sha256/ab/00/ab00"]
    assert [i.key for i in backend.storage.iter_keys("sha256/ab/")] == ["sha256/ab/00/ab00"]
    assert len(list(backend.storage.iter_keys())) == 3
    assert list(backend.storage.iter_keys("nothing/")) == []


@pytest.mark.parametrize("key", ["../escape", "/etc/passwd", "a/../../b", "a//b", ".tmp/x", "a/.hidden", "",
                                 "khóa/có/dấu", "a\\b"])
def test_keys_that_could_escape_or_hide_are_refused(backend, key):
    for attempt in (lambda: backend.storage.put(key, io.BytesIO(b"x")), lambda: backend.storage.open(key),
                    lambda: backend.storage.exists(key), lambda: backend.storage.delete(key)):
        with pytest.raises(InvalidInput) as refused:
            attempt()
        assert refused.value.field == "key"


def test_ping(backend):
    assert backend.storage.ping()


def test_open_storage_reads_the_url_and_credentials(backend, tmp_path):
    storage = open_storage(Settings(data_dir=tmp_path, storage_url=backend.url, **backend.settings_values))
    storage.put(KEY, io.BytesIO(b"qua cau hinh"))
    assert read(backend, KEY) == b"qua cau hinh"


def test_local_storage_never_follows_a_planted_symlink_out_of_its_root(tmp_path):
    root, outside = tmp_path / "objects", tmp_path / "outside"
    outside.mkdir()
    (root / "sha256").mkdir(parents=True)
    (root / "sha256" / "ab").symlink_to(outside)
    with pytest.raises(InvalidInput):
        LocalStorage(root).put("sha256/ab/cd/abcd", io.BytesIO(b"x"))
    assert list(outside.iterdir()) == []


def test_local_writes_leave_no_temporary_files(tmp_path):
    storage = LocalStorage(tmp_path / "objects")
    storage.put(KEY, io.BytesIO(b"x"))
    storage.put(KEY, io.BytesIO(b"x"))
    with pytest.raises(ObjectConflict):
        storage.put(KEY, io.BytesIO(b"y"))
    assert list((tmp_path / "objects" / ".tmp").iterdir()) == []
    assert [info.key for info in storage.iter_keys()] == [KEY]


def test_bad_s3_urls_and_half_credentials_are_refused():
    for url in ("s3://key:secret@bucket", "s3://bucket/prefix", "s3://bucket?endpoint=x", "s3://"):
        with pytest.raises(InvalidInput) as refused:
            S3Storage.from_url(url, Settings())
        assert refused.value.field == "storage_url"
    with pytest.raises(InvalidInput) as half:
        S3Storage.from_url("s3://bucket", Settings(storage_access_key_id="only-the-id"))
    assert half.value.field == "storage_secret_access_key"
    with pytest.raises(InvalidInput) as scheme:
        open_storage(Settings(storage_url="ftp://host/documents"))
    assert scheme.value.field == "storage_url"


def test_an_unreachable_s3_is_unavailable_not_missing():
    storage = S3Storage.from_url("s3://bucket?endpoint_url=http://127.0.0.1:9&region=us-east-1",
                                 Settings(storage_access_key_id="k", storage_secret_access_key="s"))
    assert not storage.ping()
    with pytest.raises(StorageUnavailable):
        storage.open(KEY)
