"""The page's style sheet is well formed: every rule is closed (a lost ``}`` silently swallows
every rule after it, which browsers do not report)."""

from __future__ import annotations

import re
from pathlib import Path

STYLE = Path(__file__).parent.parent / "transports" / "static" / "style.css"


def test_every_rule_of_the_style_sheet_is_closed() -> None:
    text = re.sub(r"/\*.*?\*/", "", STYLE.read_text(), flags=re.DOTALL)
    depth = 0
    for number, line in enumerate(text.splitlines(), 1):
        opens_rule = line.rstrip().endswith("{") and not line.startswith((" ", "@", "}"))
        assert not (opens_rule and depth > 0 and not _inside_at_rule(text, number)), (
            f"style.css line {number} opens a rule inside an unclosed one: {line!r}"
        )
        depth += line.count("{") - line.count("}")
        assert depth >= 0, f"style.css line {number} closes more than it opened"
    assert depth == 0, "style.css ends inside an unclosed rule"


def _inside_at_rule(text: str, number: int) -> bool:
    """Whether line ``number`` sits inside an ``@media`` / ``@keyframes`` block."""
    depth_at_rule = None
    depth = 0
    for index, line in enumerate(text.splitlines(), 1):
        if index == number:
            return depth_at_rule is not None and depth > depth_at_rule
        if line.startswith("@") and line.rstrip().endswith("{"):
            depth_at_rule = depth
        depth += line.count("{") - line.count("}")
        if depth_at_rule is not None and depth <= depth_at_rule:
            depth_at_rule = None
    return False
