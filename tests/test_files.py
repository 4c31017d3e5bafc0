"""The file access policy, URL fetching and the content-addressed cache."""

from __future__ import annotations

import contextlib
import contextvars
import http.server
import os
import re
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from streamcore.errors import FetchError, MissingFileError, PathNotAllowedError
from streamcore.media import files
from streamcore.media.encoding import DEFAULT_MAX_PIXELS
from streamcore.media.files import (
    CACHE_DIR_ENV,
    FileAccess,
    check_readable,
    current_file_access,
    default_file_access,
    save_bytes_to_cache,
    use_file_access,
)
from streamcore.media.url_fetch import fetch_url, is_http_url


def test_exports() -> None:
    assert set(files.__all__) == {
        "CACHE_DIR_ENV",
        "CacheWrite",
        "cache_writes_told_to",
        "DEFAULT_MAX_URL_BYTES",
        "FileAccess",
        "check_readable",
        "current_file_access",
        "default_file_access",
        "readable_returned_file",
        "save_bytes_to_cache",
        "save_stream_to_cache",
        "serve_returned_file",
        "seed_file",
        "use_file_access",
    }


# -- the policy -------------------------------------------------------------------------


def test_policy_defaults_and_path_normalisation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    policy = FileAccess(cache_dir=Path("cache"), allowed_paths=(Path("link"),))
    assert policy.cache_dir == tmp_path.resolve() / "cache"
    assert policy.allowed_paths == (tmp_path.resolve() / "real",)
    assert policy.blocked_paths == ()
    assert policy.max_pixels == DEFAULT_MAX_PIXELS
    assert policy.url_timeout == 10
    assert policy.max_url_bytes == 50 * 1024 * 1024
    assert policy.readable_roots == (policy.cache_dir, tmp_path.resolve() / "real")


def test_policy_accepts_a_single_path_and_refuses_bad_limits(tmp_path: Path) -> None:
    policy = FileAccess(cache_dir=tmp_path, allowed_paths=str(tmp_path / "a"))  # type: ignore[arg-type]
    assert policy.allowed_paths == (tmp_path.resolve() / "a",)
    with pytest.raises(ValueError, match="must be positive"):
        FileAccess(cache_dir=tmp_path, max_pixels=0)
    with pytest.raises(ValueError, match="must be positive"):
        FileAccess(cache_dir=tmp_path, url_timeout=-1)


def test_policy_is_frozen(tmp_path: Path) -> None:
    policy = FileAccess(cache_dir=tmp_path)
    with pytest.raises(AttributeError):
        policy.max_pixels = 5  # type: ignore[misc]


def test_default_policy_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "mycache"))
    policy = default_file_access()
    assert policy.cache_dir == tmp_path.resolve() / "mycache"
    assert policy.allowed_paths == (tmp_path.resolve(),)
    assert policy.readable_roots == (tmp_path.resolve() / "mycache", tmp_path.resolve())


def test_default_policy_without_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CACHE_DIR_ENV, raising=False)
    expected = (Path(tempfile.gettempdir()) / "streamcore").resolve()
    assert default_file_access().cache_dir == expected


def test_use_file_access_sets_and_restores(tmp_path: Path) -> None:
    outer = current_file_access.get()
    first = FileAccess(cache_dir=tmp_path / "1")
    second = FileAccess(cache_dir=tmp_path / "2")
    with use_file_access(first) as active:
        assert active is first
        assert current_file_access.get() is first
        with use_file_access(second):
            assert current_file_access.get() is second
        assert current_file_access.get() is first
    assert current_file_access.get() is outer


def test_use_file_access_is_context_local(tmp_path: Path) -> None:
    policy = FileAccess(cache_dir=tmp_path)
    seen: list[FileAccess] = []
    with use_file_access(policy):
        thread = threading.Thread(target=lambda: seen.append(current_file_access.get()))
        thread.start()
        thread.join()
        copied = contextvars.copy_context().run(current_file_access.get)
    assert seen[0] is not policy  # a new thread starts from the default
    assert copied is policy


# -- check_readable -------------------------------------------------------------------


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """allowed/ (with a file, a hidden file, a blocked dir), outside/, cache/."""
    for folder in ("allowed/sub", "allowed/blocked", "allowed/.git", "outside", "cache"):
        (tmp_path / folder).mkdir(parents=True)
    for name in ("allowed/a.png", "allowed/sub/b.png", "allowed/blocked/c.png"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "allowed/.env").write_text("SECRET=1")
    (tmp_path / "allowed/.git/config").write_text("x")
    (tmp_path / "outside/d.png").write_bytes(b"x")
    (tmp_path / "cache/e.png").write_bytes(b"x")
    return tmp_path.resolve()


@pytest.fixture
def policy(tree: Path) -> FileAccess:
    return FileAccess(
        cache_dir=tree / "cache",
        allowed_paths=(tree / "allowed",),
        blocked_paths=(tree / "allowed/blocked",),
    )


def test_allowed_files_are_returned_resolved(tree: Path, policy: FileAccess) -> None:
    assert check_readable(tree / "allowed/a.png", policy) == tree / "allowed/a.png"
    assert check_readable(str(tree / "allowed/sub/b.png"), policy) == tree / "allowed/sub/b.png"
    assert check_readable(tree / "cache/e.png", policy) == tree / "cache/e.png"


def test_outside_is_refused_naming_the_file_not_the_servers_directories(
    tree: Path, policy: FileAccess, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(PathNotAllowedError) as caught:
        check_readable(tree / "outside/d.png", policy)
    message = str(caught.value)
    assert message == "the file 'd.png' is not one the app may serve (its cache and " + (
        "allowed_paths are; the server's log names it)"
    )
    assert str(tree) not in message
    assert isinstance(caught.value, PermissionError)
    # the detail is in the server's log, once
    (record,) = [r for r in caplog.records if r.name == "streamcore.media"]
    assert str(tree / "outside/d.png") in record.getMessage()
    assert str(tree / "allowed") in record.getMessage()
    assert record.exc_info is None


def test_a_client_is_told_to_upload_the_file(tree: Path, policy: FileAccess) -> None:
    with pytest.raises(PathNotAllowedError) as caught:
        check_readable(str(tree / "outside/d.png"), policy, named_by_client=True)
    assert str(caught.value) == (
        "the file 'd.png' is not one this server gave or received; upload it first"
    )
    with pytest.raises(FileNotFoundError) as missing:
        check_readable(str(tree / "allowed/gone.png"), policy, named_by_client=True)
    assert (
        str(missing.value)
        == "the file 'gone.png' is not on this server (any more): upload it again"
    )


def test_traversal_is_refused(tree: Path, policy: FileAccess) -> None:
    with pytest.raises(PathNotAllowedError):
        check_readable(tree / "allowed/../outside/d.png", policy)


def test_blocked_wins_over_allowed(
    tree: Path, policy: FileAccess, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(
        PathNotAllowedError, match=re.escape("'c.png' is not one the app may serve")
    ):
        check_readable(tree / "allowed/blocked/c.png", policy)
    assert "one of the blocked_paths" in caplog.text


def test_symlink_pointing_outside_is_refused(
    tree: Path, policy: FileAccess, caplog: pytest.LogCaptureFixture
) -> None:
    (tree / "allowed/link.png").symlink_to(tree / "outside/d.png")
    with pytest.raises(PathNotAllowedError, match=re.escape("'link.png'")):  # the name it was given
        check_readable(tree / "allowed/link.png", policy)
    assert str(tree / "outside/d.png") in caplog.text


def test_symlink_pointing_inside_is_resolved(tree: Path, policy: FileAccess) -> None:
    (tree / "outside/link.png").symlink_to(tree / "allowed/a.png")
    assert check_readable(tree / "outside/link.png", policy) == tree / "allowed/a.png"


@pytest.mark.parametrize("name", ["allowed/.env", "allowed/.git/config"])
def test_hidden_files_are_refused(
    tree: Path, policy: FileAccess, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(PathNotAllowedError):
        check_readable(tree / name, policy)
    assert "hidden file" in caplog.text


def test_an_allowed_root_may_itself_be_hidden(tree: Path) -> None:
    policy = FileAccess(cache_dir=tree / "cache", allowed_paths=(tree / "allowed/.git",))
    assert check_readable(tree / "allowed/.git/config", policy) == tree / "allowed/.git/config"


def test_a_single_allowed_file(tree: Path) -> None:
    policy = FileAccess(cache_dir=tree / "cache", allowed_paths=(tree / "outside/d.png",))
    assert check_readable(tree / "outside/d.png", policy) == tree / "outside/d.png"


def test_missing_file_inside_is_not_found(tree: Path, policy: FileAccess) -> None:
    with pytest.raises(
        MissingFileError, match=re.escape("the file 'missing.png' the app gave does not")
    ):
        check_readable(tree / "allowed/missing.png", policy)
    with pytest.raises(FileNotFoundError):
        check_readable(tree / "allowed/sub", policy)  # a directory is not a readable file


def test_missing_file_outside_is_refused_not_reported_missing(
    tree: Path, policy: FileAccess
) -> None:
    with pytest.raises(PathNotAllowedError):
        check_readable(tree / "outside/missing.png", policy)


# -- fetch_url --------------------------------------------------------------------------


LATE_S = 20.0
"""When the slow routes would finish answering: far beyond the tests' url_timeout (0.3 s),
so a fetch that did not give up at its timeout would get the answer and raise nothing."""


class _Handler(http.server.BaseHTTPRequestHandler):
    stopping = threading.Event()  # set at teardown: slow handlers end at once

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""

    def _send(self, body: bytes, length: int | None = None) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        with contextlib.suppress(OSError):  # the client gave up (timeout, size limit)
            self._route()

    def _route(self) -> None:
        if self.path == "/ok":
            self._send(b"hello world", 11)
        elif self.path == "/announced-big":
            self._send(b"x" * 10, 10_000)
        elif self.path == "/unannounced-big":
            self._send(b"y" * 5000)  # no Content-Length: body ends when the server closes
        elif self.path == "/slow":
            self.stopping.wait(LATE_S)
            self._send(b"late", 4)
        elif self.path == "/drip":
            self.send_response(200)
            self.end_headers()
            for _ in range(int(LATE_S / 0.05)):  # 400 bytes, 0.05 s apart
                self.wfile.write(b"z")
                self.wfile.flush()
                if self.stopping.wait(0.05):
                    return
        elif self.path in ("/redirect-file", "/redirect-ftp"):
            target = "file:///etc/passwd" if self.path.endswith("file") else "ftp://127.0.0.1/x"
            self.send_response(302)
            self.send_header("Location", target)
            self.end_headers()
        elif self.path == "/redirect-ok":
            self.send_response(302)
            self.send_header("Location", "/ok")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.send_error(404, "Not Found")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = False  # so server_close() joins every handler thread
    _Handler.stopping.clear()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        _Handler.stopping.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@pytest.fixture
def web_policy(tmp_path: Path) -> FileAccess:
    """Its server is on 127.0.0.1: these tests opt in to private addresses."""
    return FileAccess(
        cache_dir=tmp_path, url_timeout=0.3, max_url_bytes=1000, allow_private_urls=True
    )


def test_is_http_url() -> None:
    assert is_http_url("http://x")
    assert is_http_url("HTTPS://x/y.png")
    assert not is_http_url("file:///etc/passwd")
    assert not is_http_url("/tmp/http://x")
    assert not is_http_url("data:image/png;base64,AAAA")


def test_fetch_ok(server: str, web_policy: FileAccess) -> None:
    assert fetch_url(f"{server}/ok", web_policy) == b"hello world"


def test_fetch_follows_http_redirects(server: str, web_policy: FileAccess) -> None:
    assert fetch_url(f"{server}/redirect-ok", web_policy) == b"hello world"


@pytest.mark.parametrize(
    ("url", "scheme"),
    [("file:///etc/passwd", "file"), ("ftp://example.com/x.png", "ftp"), ("/etc/passwd", "")],
)
def test_fetch_refuses_other_schemes(url: str, scheme: str, web_policy: FileAccess) -> None:
    message = f"only http and https URLs are allowed, not {scheme!r}"
    with pytest.raises(FetchError, match=re.escape(message)):
        fetch_url(url, web_policy)


@pytest.mark.parametrize("kind", ["file", "ftp"])
def test_fetch_refuses_redirect_to_other_schemes(
    server: str, web_policy: FileAccess, kind: str
) -> None:
    with pytest.raises(FetchError, match=f"{kind}:.*(is not allowed|which is not http)"):
        fetch_url(f"{server}/redirect-{kind}", web_policy)


def test_fetch_http_error(server: str, web_policy: FileAccess) -> None:
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch_url(f"{server}/nothing-here", web_policy)


def test_fetch_refuses_announced_large_body(server: str, web_policy: FileAccess) -> None:
    with pytest.raises(FetchError, match="its body is 10000 bytes, over the limit of 1000 bytes"):
        fetch_url(f"{server}/announced-big", web_policy)


def test_fetch_counts_unannounced_body(server: str, web_policy: FileAccess) -> None:
    with pytest.raises(FetchError, match="over the limit of 1000 bytes"):
        fetch_url(f"{server}/unannounced-big", web_policy)


def test_fetch_timeout_waiting_for_answer(server: str, web_policy: FileAccess) -> None:
    # the answer would come LATE_S later: only giving up at url_timeout raises
    with pytest.raises(FetchError, match=r"timed out|no answer within 0.3 s"):
        fetch_url(f"{server}/slow", web_policy)


def test_fetch_total_deadline_for_dripping_body(server: str, web_policy: FileAccess) -> None:
    # each byte arrives in time, the whole (within the size limit) would end LATE_S later:
    # only the total deadline raises
    with pytest.raises(FetchError, match=r"no answer within 0.3 s"):
        fetch_url(f"{server}/drip", web_policy)


def test_fetch_connection_refused(web_policy: FileAccess) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens on it once closed
    with pytest.raises(FetchError, match=f"Cannot fetch http://127.0.0.1:{port}/"):
        fetch_url(f"http://127.0.0.1:{port}/", web_policy)


# -- the cache ----------------------------------------------------------------------------


def test_same_bytes_same_path(tmp_path: Path) -> None:
    policy = FileAccess(cache_dir=tmp_path / "cache")
    first = save_bytes_to_cache(b"abc", "image.png", policy)
    second = save_bytes_to_cache(b"abc", "image.png", policy)
    other = save_bytes_to_cache(b"abd", "image.png", policy)
    assert first == second != other
    assert first.read_bytes() == b"abc"
    assert first.parent.parent == policy.cache_dir
    assert re.fullmatch(r"[0-9a-f]{64}", first.parent.name)
    assert first.name == "image.png"


def test_hash_is_seeded_not_plain_sha256(tmp_path: Path) -> None:
    import hashlib

    policy = FileAccess(cache_dir=tmp_path / "cache")
    path = save_bytes_to_cache(b"abc", "x.bin", policy)
    assert path.parent.name != hashlib.sha256(b"abc").hexdigest()
    seed = (tmp_path / ".cache.hash_seed").read_bytes()
    assert path.parent.name == hashlib.sha256(seed + b"abc").hexdigest()


def test_the_cache_folder_holds_only_the_cached_files(tmp_path: Path) -> None:
    policy = FileAccess(cache_dir=tmp_path / "cache")
    path = save_bytes_to_cache(b"abc", "x.bin", policy)
    assert [p for p in policy.cache_dir.rglob("*") if p.is_file()] == [path]
    assert files.seed_file(policy.cache_dir) == tmp_path / ".cache.hash_seed"


def test_seed_file_is_never_readable(tmp_path: Path) -> None:
    policy = FileAccess(cache_dir=tmp_path / "cache", allowed_paths=(tmp_path,))
    save_bytes_to_cache(b"abc", "x.bin", policy)
    with pytest.raises(PathNotAllowedError):
        check_readable(tmp_path / ".cache.hash_seed", policy)


def test_seed_persists_across_processes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    policy = FileAccess(cache_dir=tmp_path)
    first = save_bytes_to_cache(b"abc", "x.bin", policy)
    monkeypatch.setattr(files, "_seeds", {})  # as a new process would start
    assert save_bytes_to_cache(b"abc", "x.bin", FileAccess(cache_dir=tmp_path)) == first


def test_different_caches_have_different_seeds(tmp_path: Path) -> None:
    one = save_bytes_to_cache(b"abc", "x.bin", FileAccess(cache_dir=tmp_path / "one"))
    two = save_bytes_to_cache(b"abc", "x.bin", FileAccess(cache_dir=tmp_path / "two"))
    assert one.parent.name != two.parent.name


def test_same_bytes_different_names_share_the_directory(tmp_path: Path) -> None:
    policy = FileAccess(cache_dir=tmp_path)
    a = save_bytes_to_cache(b"abc", "a.png", policy)
    b = save_bytes_to_cache(b"abc", "b.png", policy)
    assert a.parent == b.parent
    assert a != b


def test_existing_file_is_not_rewritten_and_no_partials_remain(tmp_path: Path) -> None:
    policy = FileAccess(cache_dir=tmp_path)
    path = save_bytes_to_cache(b"abc", "a.png", policy)
    inode = path.stat().st_ino
    save_bytes_to_cache(b"abc", "a.png", policy)
    assert path.stat().st_ino == inode
    leftovers = [p for p in tmp_path.rglob("*") if p.name.startswith(".partial")]
    assert leftovers == []


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../evil.png", "evil.png"),
        ("..\\..\\evil.png", "evil.png"),
        (".hidden.png", "hidden.png"),
        ("", "file"),
        ("..", "file"),
        ("a\x00b.png", "ab.png"),
    ],
)
def test_names_are_reduced_to_plain_file_names(tmp_path: Path, name: str, expected: str) -> None:
    path = save_bytes_to_cache(b"abc", name, FileAccess(cache_dir=tmp_path))
    assert path.name == expected
    assert path.parent.parent == tmp_path.resolve()


def test_long_names_keep_their_suffix(tmp_path: Path) -> None:
    path = save_bytes_to_cache(b"abc", "n" * 500 + ".png", FileAccess(cache_dir=tmp_path))
    assert len(path.name) == 200
    assert path.name.endswith("n.png")


def test_concurrent_saves_agree(tmp_path: Path) -> None:
    policy = FileAccess(cache_dir=tmp_path / "fresh")
    results: list[Path] = []
    threads = [
        threading.Thread(target=lambda: results.append(save_bytes_to_cache(b"q", "q", policy)))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 1
    assert os.listdir(policy.cache_dir / results[0].parent.name) == ["q"]
