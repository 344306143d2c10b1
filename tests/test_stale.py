"""No unreadable file in the output folder can break the index page."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import WORKED

from evalkit import outputs
from evalkit.publish import index

BROKEN_YAML = "schema: evalkit/v1\ndepartment: {id: dept-b, name: [unclosed\n"


def copy_seed(folder: Path, department_id: str, *, name: str | None = None) -> Path:
    text = WORKED.read_text(encoding="utf-8").replace("id: dangzheng-office", f"id: {department_id}", 1)
    path = folder / (name or f"{department_id}.yaml")
    path.write_text(text, encoding="utf-8")
    return path


def rows(out: Path) -> dict[str, str]:
    """The index page's rows: department id → status cell text."""
    html = (out / "2023" / "index.html").read_text(encoding="utf-8")
    found = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html.split("<tbody>")[1], re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        found[re.search(r"<small>(.*?)</small>", cells[0]).group(1)] = " ".join(re.sub(r"<[^>]+>", " ", cells[7]).split())
    return found


def summary(out: Path) -> str:
    html = (out / "2023" / "index.html").read_text(encoding="utf-8")
    return re.search(r"<p>(共 .*?)按得分", html).group(1)


@pytest.fixture
def damaged(tmp_path, worked) -> Path:
    """An output folder with one good department and every kind of damaged or missing record."""
    out = tmp_path / "reports"
    year = out / "2023"
    result = json.dumps(worked.to_dict(), ensure_ascii=False).encode("utf-8")
    files = {
        "good/result.json": result,
        "truncated/result.json": result[:300],
        "not-utf8/result.json": b"\xff\xfe garbage",
        "a-list/result.json": b"[]",
        "wrong-shape/result.json": b'{"department": "x", "score": 3}',
        "garbage-error/error.json": b"\x00\x01 not json",
        "garbage-error/result.json": result,
        "garbage-stale/stale.json": b"{{{",
        "garbage-stale/result.json": result,
    }
    for name, data in files.items():
        (year / name).parent.mkdir(parents=True, exist_ok=True)
        (year / name).write_bytes(data)
    (year / "interrupted").mkdir()
    (year / ".evalkit-staging").mkdir()  # an overview run's leftovers are no department
    (out / outputs.INVALID_DIR).mkdir()
    (out / outputs.INVALID_DIR / "half.json").write_bytes(b'{"params": "half.ya')
    return out


def test_the_index_reads_every_record_defensively(damaged):
    page = index.write_index(damaged, 2023).read_text(encoding="utf-8")
    status = {r["id"]: r["status"] for r in index.collect(damaged, 2023)}
    assert status == {"a-list": "unreadable", "garbage-error": "unreadable", "garbage-stale": "stale",
                      "good": "ok", "interrupted": "incomplete", "not-utf8": "unreadable",
                      "truncated": "unreadable", "wrong-shape": "unreadable", "half.yaml": "unreadable"}
    found = rows(damaged)
    assert found["good"] == "成功"
    assert found["truncated"] == ("无法读取 结果文件 result.json 不完整或已损坏，无法读取（可能是写入时运行被中断或磁盘已满）。"
                                  "请重新运行该部门。")
    assert found["wrong-shape"].startswith("无法读取 结果文件 result.json 的内容不是本程序写出的格式")
    assert found["garbage-error"].startswith("无法读取 错误记录不完整或已损坏")
    assert found["interrupted"] == "未完成 没有结果：上次运行在这个部门完成之前中断了。重新运行即可补齐。"
    assert found["garbage-stale"].startswith("已过期 不在本次参数中：本次运行的参数文件都没有生成这个部门。")
    assert found["half.yaml"].startswith("无法读取 错误记录不完整或已损坏")
    assert "共 8 个部门：成功 1 个，失败 0 个，结果无法读取或未完成 7 个。另有 1 个部门已过期" in page
    for leak in ("Traceback", "JSONDecodeError", "KeyError", "Errno"):
        assert leak not in page
