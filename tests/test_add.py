"""`publish add`: a programme copied or downloaded into the seeds with one command (issue 22). Downloads
come from a loopback HTTP server in a thread: nothing leaves the machine."""

from __future__ import annotations

import functools
import hashlib
import http.server
import subprocess
import sys
import threading
import tomllib

import pytest

from publish.add import add
from publish.errors import InputError
from tests.conftest import ROOT
from tests.test_inputs import PAGE

PLAIN = "Program\n\nPartiet vil:\n\n- bygge flere boliger\n- senke skatten\n"


@pytest.fixture
def served(tmp_path):
    """Files in tmp_path/www served at http://127.0.0.1:PORT/ for the test's length."""
    folder = tmp_path / "www"
    folder.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_downloaded_web_page_is_copied_pinned_and_entered(seeds, served):
    folder, address = served
    (folder / "ny-side.html").write_bytes(PAGE.encode("cp1252"))
    added = add(f"{address}/ny-side.html", "ap", seeds=seeds, title="Skoleprogram")
    assert (added.document_id, added.pledges) == ("ny-side", 4)  # two items and their two sub-items (tests/test_inputs.py)
    assert added.layout.startswith("markdown")
    copied = seeds / "texts" / "ny-side.html"
    assert copied.read_bytes() == PAGE.encode("cp1252")
    entry = tomllib.loads((seeds / "sources.toml").read_text(encoding="utf-8"))["documents"][-1]
    assert entry == {
        "id": "ny-side", "file": "texts/ny-side.html", "actor": "ap", "title": "Skoleprogram", "kind": "programme", "rights": "Partiet",
        "sha256": hashlib.sha256(PAGE.encode("cp1252")).hexdigest(), "url": f"{address}/ny-side.html",
    }  # fmt: skip


def test_a_new_party_from_a_local_file_gets_its_actor_entry(seeds, tmp_path):
    (tmp_path / "Fred program.txt").write_text(PLAIN, encoding="utf-8")
    added = add(str(tmp_path / "Fred program.txt"), "fred", seeds=seeds, title="Fred og Rettferdighet")
    assert (added.document_id, added.pledges) == ("fred-program", 2)
    manifest = tomllib.loads((seeds / "sources.toml").read_text(encoding="utf-8"))
    assert manifest["actors"][-1]["id"] == "fred" and manifest["actors"][-1]["name"] == "Fred og Rettferdighet"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("mangler.pdf", None, "download failed"),  # not served: 404
        ("program.docx", b"PK\x03\x04 not a text", "cannot read a file of type '.docx'"),
        ("ap-web-arbeid.txt", PLAIN.encode(), "document id 'ap-web-arbeid' is already used"),
        ("tom.txt", b"", "the text file is empty"),
    ],
)
def test_a_bad_answer_leaves_the_manifest_byte_identical(seeds, served, name, content, message):
    folder, address = served
    if content is not None:
        (folder / name).write_bytes(content)
    before = (seeds / "sources.toml").read_bytes()
    texts = sorted(p.name for p in (seeds / "texts").iterdir())
    with pytest.raises(InputError, match=message):
        add(f"{address}/{name}", "ap", seeds=seeds)
    assert (seeds / "sources.toml").read_bytes() == before
    assert sorted(p.name for p in (seeds / "texts").iterdir()) == texts


@pytest.mark.build
def test_the_command_prints_the_layout_and_the_pledges_or_one_error_line(seeds, tmp_path):
    (tmp_path / "program.md").write_text("# Program\n\n## Bolig\n\n" + PLAIN, encoding="utf-8")
    command = [sys.executable, "-m", "publish", "add", str(tmp_path / "program.md"), "--actor", "ap", "--seeds", str(seeds)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("document 'program'; markdown, '-' bullets, 2 heading levels; 2 pledges")
    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert again.returncode == 2 and again.stderr.startswith("error: ") and "Traceback" not in again.stderr
    assert "document id 'program' is already used" in again.stderr


def test_a_new_party_in_a_manifest_without_groups_is_compared_with_the_others(tmp_path):
    from publish.sources import load_corpus
    from tests.test_inputs import _seeds

    (tmp_path / "a.txt").write_text(PLAIN, encoding="utf-8")
    (tmp_path / "fred.txt").write_text(PLAIN.replace("boliger", "skoler"), encoding="utf-8")
    seeds = _seeds(tmp_path, {"a": tmp_path / "a.txt"})
    add(str(tmp_path / "fred.txt"), "fred", seeds=seeds)
    corpus = load_corpus(seeds)
    assert len(corpus.groups) == 1 and {a.group for a in corpus.actors} == {corpus.groups[0].group_id}
