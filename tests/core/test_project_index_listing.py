"""A folder's project tables are found by one listing while the folder shows no change (a province's
folder is not listed once per department), and a table added or removed is seen at once."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from conftest import PARAMS

from evalkit.core import project_files

TABLE = PARAMS / "dangzheng-office-2023.project-01.yaml"


def _settled(folder: Path) -> None:
    """Date the folder's last change well before now, as a folder nobody has touched for a while."""
    past = time.time() - 60
    os.utime(folder, (past, past))


def _listings(monkeypatch) -> list:
    seen = []
    real = os.listdir

    def counted(folder):
        seen.append(folder)
        return real(folder)

    monkeypatch.setattr(os, "listdir", counted)  # how evalkit.paths.folder_params lists a folder
    return seen


def test_a_settled_folder_is_listed_once(tmp_path, monkeypatch):
    shutil.copy(TABLE, tmp_path)
    _settled(tmp_path)
    seen = _listings(monkeypatch)
    first = project_files.project_index(tmp_path)
    assert first == project_files.project_index(tmp_path) == {"dangzheng-office": (TABLE.name,)}
    assert len(seen) == 1


def test_a_table_added_or_removed_is_seen(tmp_path):
    shutil.copy(TABLE, tmp_path)
    _settled(tmp_path)
    assert project_files.project_candidates(tmp_path, "dangzheng-office") == [tmp_path / TABLE.name]
    shutil.copy(TABLE, tmp_path / "dangzheng-office-2023.project-09.yaml")
    assert len(project_files.project_candidates(tmp_path, "dangzheng-office")) == 2
    _settled(tmp_path)
    (tmp_path / TABLE.name).unlink()
    assert project_files.project_candidates(tmp_path, "dangzheng-office") == [
        tmp_path / "dangzheng-office-2023.project-09.yaml"]


def test_a_folder_changed_just_now_is_listed_again(tmp_path, monkeypatch):
    """Within the clock's coarse tick two changes may share a time: a fresh folder is never trusted."""
    shutil.copy(TABLE, tmp_path)
    seen = _listings(monkeypatch)
    project_files.project_index(tmp_path)
    project_files.project_index(tmp_path)
    assert len(seen) == 2
