"""flows.discover: nested folders, PDFs by content, bad entries listed with a reason, stable order."""

from flows.discover import FAILED, PDF, SKIPPED, discover


def test_every_file_is_listed_once_in_a_stable_order(archive_template):
    root, _ = archive_template
    entries = discover(root)
    rels = [e.rel for e in entries]
    assert rels == sorted(rels) and len(rels) == len(set(rels))
    assert discover(root) == entries
    assert not any(r.startswith(".hidden") for r in rels)  # hidden folders are passed over
    pdfs = [e.rel for e in entries if e.status == PDF]
    assert "2024/报送/sample-noext" in pdfs  # known by content, not by name
    assert "2024/copies/copy-0.PDF" in pdfs
    assert len(pdfs) == 24 and len(rels) == 30


def test_bad_entries_are_listed_with_their_reason(archive_template):
    root, _ = archive_template
    by_rel = {e.rel: e for e in discover(root)}
    assert by_rel["2024/loop"].status == SKIPPED and "目录循环" in by_rel["2024/loop"].reason
    assert by_rel["2024/outside.pdf"].status == SKIPPED and "之外" in by_rel["2024/outside.pdf"].reason
    assert by_rel["2024/fifo.pdf"].status == SKIPPED and "命名管道" in by_rel["2024/fifo.pdf"].reason
    assert by_rel["2024/notes.txt"].status == SKIPPED and by_rel["2024/notes.txt"].exit_code == 0
    for rel in ("2024/scan.pdf", "2024/empty.pdf"):
        assert by_rel[rel].status == FAILED and by_rel[rel].exit_code == 3
    # encrypted and damaged PDFs have a PDF header: reading them is the check's job
    assert by_rel["2024/加密.pdf"].status == PDF and by_rel["2024/damaged.pdf"].status == PDF


def test_output_folder_inside_the_archive_is_not_read(tmp_path):
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.4\n")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "b.pdf").write_bytes(b"%PDF-1.4\n")
    assert [e.rel for e in discover(tmp_path, exclude=(tmp_path / "out",))] == ["a.pdf"]


def test_a_symlink_to_a_file_inside_is_read_and_to_a_folder_is_not(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "a.pdf").write_bytes(b"%PDF-1.4\n")
    (tmp_path / "link.pdf").symlink_to(tmp_path / "real" / "a.pdf")
    (tmp_path / "alias").symlink_to(tmp_path / "real")
    (tmp_path / "broken.pdf").symlink_to(tmp_path / "missing.pdf")
    by_rel = {e.rel: e for e in discover(tmp_path)}
    assert by_rel["link.pdf"].status == PDF and by_rel["real/a.pdf"].status == PDF
    assert by_rel["alias"].status == SKIPPED and "real" in by_rel["alias"].reason
    assert by_rel["broken.pdf"].status == SKIPPED and "无效" in by_rel["broken.pdf"].reason
