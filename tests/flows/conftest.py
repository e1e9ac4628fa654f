"""The test archive (built once a session) and one opt-in Prefect test server for the session."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from flows.settings import configure
from tests.conftest import FIXTURES

# Prefect reads its settings when it is imported: set them first, with a home of its own for
# the session (not the developer's), as the CLI does.
if "PREFECT_HOME" not in os.environ:
    os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="jixiao-prefect-")
    atexit.register(shutil.rmtree, os.environ["PREFECT_HOME"], True)
configure()

GOOD = ["consistent", "fault-count", "fault-rate", "fault-remainder", "fault-total", "fault-unit", "sample",
        "sample-large", "sample-reportlab", "sample-yuan"]
VARIANTS = ["sample", "consistent", "fault-rate", "sample-reportlab", "fault-total"]  # one byte appended


def encrypted_pdf() -> bytes:
    """A one-page PDF whose standard security handler wants a password nobody gave."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
               b"<< /Filter /Standard /V 1 /R 2 /O <" + b"11" * 32 + b"> /U <" + b"22" * 32 + b"> /P -4 >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += (b"trailer\n<< /Size %d /Root 1 0 R /Encrypt 4 0 R /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objects) + 1, b"ab" * 16, b"ab" * 16, xref))
    return bytes(out)


def build_archive(root: Path) -> dict[str, str]:
    """Write the archive; returns what each bad or special path is, for the assertions.

    2022/, 2023/<department>/, 2024/: the ten fixture reports, five variants (a byte
    appended: same figures, other hash), one variant without a .pdf suffix, copies, and the
    bad ones.
    """
    def put(rel: str, data: bytes) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    pdf = {case: (FIXTURES / case / "report.pdf").read_bytes() for case in GOOD + ["no-figures"]}
    departments = ["科协", "财政局", "教育局"]
    for i, case in enumerate(GOOD):
        put(f"2023/{departments[i % 3]}/{case}.pdf", pdf[case])
    for i, case in enumerate(VARIANTS):
        put(f"2022/{departments[i % 3]}/{case}-v{i}.pdf", pdf[case] + b"\n%% variant %d\n" % i)
    put("2024/报送/sample-noext", pdf["sample"] + b"\n%% no suffix\n")  # a PDF known by content
    put("2024/科协/sample.pdf", pdf["sample"])  # duplicate of 2023/科协/sample.pdf (same name, other folder)
    put("2024/财政局/重新报送-唐山科协.pdf", pdf["sample"])  # renamed copy
    for n in range(3):  # more copies: a duplicate is listed, not checked again
        put(f"2024/copies/copy-{n}.PDF", pdf["consistent"])
    special = {
        "2024/教育局/会议通知.pdf": "no-figures",
        "2024/notes.txt": "not a pdf",
        "2024/scan.pdf": "named pdf, not a pdf",
        "2024/加密.pdf": "encrypted",
        "2024/damaged.pdf": "damaged",
        "2024/empty.pdf": "empty",
        "2024/loop": "symlink loop",
        "2024/outside.pdf": "symlink outside",
        "2024/fifo.pdf": "fifo",
    }
    put("2024/教育局/会议通知.pdf", pdf["no-figures"])
    put("2024/notes.txt", "会议纪要\n".encode())
    put("2024/scan.pdf", b"GIF89a not really a pdf")
    put("2024/加密.pdf", encrypted_pdf())
    put("2024/damaged.pdf", pdf["sample"][:3000])
    put("2024/empty.pdf", b"")
    put(".hidden/ignored.pdf", pdf["sample"])
    os.symlink("..", root / "2024" / "loop")
    outside = root.parent / f"{root.name}-outside.pdf"
    outside.write_bytes(pdf["consistent"])
    os.symlink(outside, root / "2024" / "outside.pdf")
    os.mkfifo(root / "2024" / "fifo.pdf")
    return special


@pytest.fixture(scope="session")
def archive_template(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("archive-src") / "archive"
    root.mkdir()
    return root, build_archive(root)


@pytest.fixture
def archive_copy(tmp_path) -> Path:
    """A private copy of the archive, for a test that changes it."""
    root = tmp_path / "archive"
    root.mkdir()
    build_archive(root)
    return root


@pytest.fixture(scope="session")
def prefect_server():
    """One temporary Prefect server for every flow test (opt in by naming this fixture).

    Heartbeats off: each costs a flow run about a second (PREFECT.md).
    """
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120), \
            temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield
