"""streamcore.media.upload_ledger: who owns each upload, the quotas, what is deleted when."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamcore.errors import UploadQuotaError
from streamcore.media.upload_ledger import UploadLedger, remove_uploads

A, B, C = Path("/c/a/a.png"), Path("/c/b/b.png"), Path("/c/c/c.png")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_an_owned_upload_is_freed_when_its_last_owner_ends() -> None:
    ledger = UploadLedger()
    ledger.record(A, 10, "s1", owned=True)
    ledger.claim("s2", [str(A), "/not/an/upload"])
    assert (ledger.held_by("s1"), ledger.held_by("s2"), ledger.total) == (10, 10, 10)
    assert ledger.release("s1") == []  # s2 still uses it
    assert ledger.release("s2") == [A]
    assert (ledger.held_by("s2"), ledger.total) == (0, 0)


def test_the_same_bytes_twice_are_one_file_counted_once() -> None:
    ledger = UploadLedger()
    ledger.record(A, 10, "s1", owned=True)
    ledger.record(A, 10, "s1", owned=True)
    ledger.record(A, 10, "s2", owned=True)
    assert (ledger.total, ledger.held_by("s1"), ledger.held_by("s2")) == (10, 10, 10)


def test_a_pending_upload_is_deleted_when_unclaimed_past_its_window() -> None:
    clock = Clock()
    ledger = UploadLedger(claim_window=60, clock=clock)
    ledger.record(A, 10, "address:1.2.3.4", owned=False)
    clock.now = 30
    ledger.record(B, 5, "address:1.2.3.4", owned=False)
    ledger.claim("s1", [str(B)])  # B is used by a call: no longer pending
    assert ledger.held_by("address:1.2.3.4") == 10
    clock.now = 61
    assert ledger.expired() == [A]
    assert (ledger.total, ledger.held_by("address:1.2.3.4"), ledger.held_by("s1")) == (5, 0, 5)
    clock.now = 1000
    assert ledger.expired() == []
    assert ledger.release("s1") == [B]


def test_record_returns_the_pending_uploads_that_expired() -> None:
    clock = Clock()
    ledger = UploadLedger(claim_window=1, clock=clock)
    assert ledger.record(A, 1, "u", owned=False) == []
    clock.now = 2
    assert ledger.record(B, 1, "s", owned=True) == [A]


def test_the_session_quota_counts_what_one_uploader_holds() -> None:
    ledger = UploadLedger(session_quota=100)
    ledger.admit("s1", 100)
    ledger.record(A, 60, "s1", owned=True)
    with pytest.raises(
        UploadQuotaError, match=r"photo.png \(41 B\) .* this session holds 60 B"
    ) as e:
        ledger.admit("s1", 41, "photo.png")
    assert not e.value.server_wide
    ledger.admit("s1", 40)
    ledger.admit("s2", 100)  # another session has its own quota
    ledger.release("s1")
    ledger.admit("s1", 100)


def test_the_total_quota_counts_every_upload(caplog: pytest.LogCaptureFixture) -> None:
    ledger = UploadLedger(total_quota=100)
    ledger.record(A, 70, "s1", owned=True)
    ledger.record(B, 20, "u", owned=False)
    with pytest.raises(UploadQuotaError) as e:
        ledger.admit("s2", 11)
    assert str(e.value) == (
        "the upload (11 B) does not fit: the server's room for uploads is full (its quota is "
        "100 B); try again once other sessions have ended"
    )  # what the other sessions hold is not told
    assert "the uploads hold 90 of 100 bytes" in caplog.text
    assert e.value.server_wide
    ledger.admit("s2", 10)


def test_release_all_forgets_everything() -> None:
    ledger = UploadLedger()
    ledger.record(A, 1, "s1", owned=True)
    ledger.record(B, 2, "u", owned=False)
    assert sorted(ledger.release_all()) == [A, B]
    assert (ledger.total, ledger.held_by("s1"), ledger.expired()) == (0, 0, [])


def test_remove_uploads_deletes_files_and_their_empty_folders(tmp_path: Path) -> None:
    shared, alone = tmp_path / "h1", tmp_path / "h2"
    shared.mkdir()
    alone.mkdir()
    (shared / "a.png").write_bytes(b"a")
    (shared / "kept.webp").write_bytes(b"k")  # another file of the same bytes' folder
    (alone / "b.png").write_bytes(b"b")
    remove_uploads([shared / "a.png", alone / "b.png", tmp_path / "gone" / "c.png"])
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        "h1",
        "h1/kept.webp",
    ]
