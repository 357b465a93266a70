"""The interactive graph page, step two: plain data → one HTML file, everything escaped.

The data goes in as JSON inside `<script type="application/json">`, with `<`, `>`, `&` and
the JavaScript line separators written as \\u escapes, so no entity name or evidence sentence
can close the script element or start markup. The page script reads it with JSON.parse and
writes it only through textContent and the library's text labels.
"""

from __future__ import annotations

import html
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

ASSETS = Path(__file__).resolve().parent / "assets"
LIBRARY = "vis-network.min.js"

_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                 "\u2028": "\\u2028", "\u2029": "\\u2029"}
_JSON_UNSAFE = re.compile("[<>&\u2028\u2029]")

PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>{title}</title>
<style>{css}</style>
</head>
<body>
<header>
  <h1 id="title"></h1>
  <input id="search" type="search" placeholder="搜索名称或别名" autocomplete="off">
  <label><input id="show-quantities" type="checkbox"> 数值显示为节点</label>
  <label>邻域 <select id="hops"><option value="1">1 跳</option><option value="2">2 跳</option></select></label>
  <button id="reset" type="button">显示全部</button>
  <span id="stats"></span>
</header>
<main>
  <aside id="filters">
    <ul id="results"></ul>
    <h2>类别</h2><ul id="legend"></ul>
    <h2>关系</h2><ul id="predicate-filter"></ul>
  </aside>
  <div id="graph"></div>
  <aside id="panel"><p class="hint">点击节点查看详情</p></aside>
</main>
<script type="application/json" id="graph-data">{data}</script>
<script>{library}</script>
<script>{script}</script>
</body>
</html>
"""


def json_for_script(data: Any) -> str:
    """JSON that is inert inside a <script> element and valid for JSON.parse."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return _JSON_UNSAFE.sub(lambda m: _JSON_ESCAPES[m.group()], text)


def _inline_script(source: str) -> str:
    """A script file made safe to inline: it must not contain its own end tag."""
    return re.sub(r"</(script)", r"<\\/\1", source, flags=re.IGNORECASE)


@cache
def _asset(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


def render_page(data: dict[str, Any]) -> str:
    """The complete page: styles, data, graph library and page script all inline."""
    return PAGE.format(title=html.escape(data["title"]), css=_asset("page.css"),
                       data=json_for_script(data), library=_inline_script(_asset(LIBRARY)),
                       script=_inline_script(_asset("page.js")))
