"""Benchmark the graph page on a large synthetic graph in headless Chromium.

Measures what a reader feels: how long until the graph is first drawn, and how smoothly it
redraws while panned and zoomed. Writes JSON (default reports/bench_html.json).

    .venv/bin/python scripts/bench_html.py --nodes 5000 --edges 20000
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.browser

from kg.model import Entity, Evidence, KnowledgeGraph, PredicateRef, Span, Triple  # noqa: E402
from kg.ontology import load_ontology  # noqa: E402
from kg.sinks.html import write_html  # noqa: E402
from tests.browser import open_page, start_chromium  # noqa: E402

CLASSES = ("Company", "Person", "Product", "Technology", "Location", "Organization")
PREDICATES = (("partnerOf", "合作"), ("supplies", "供应"), ("investsIn", "投资"),
              ("develops", "研发"), ("locatedIn", "位于"), ("worksFor", "任职"))

# Pan and zoom for `seconds`, one camera move per animation frame; count frames and redraws.
PAN_AND_ZOOM = """
const [seconds, done] = arguments;
const net = zhkg.network;
let frames = 0, draws = 0;
const count = () => { draws += 1; };
net.on('afterDrawing', count);
const start = performance.now(), centre = net.getViewPosition(), scale = net.getScale();
function step(now) {
  const t = (now - start) / 1000;
  if (t >= seconds) {
    net.off('afterDrawing', count);
    done({seconds: t, frames: frames, draws: draws, fps: frames / t, redraws_per_s: draws / t});
    return;
  }
  frames += 1;
  net.moveTo({position: {x: centre.x + 400 * Math.sin(t * 2), y: centre.y + 300 * Math.cos(t * 2)},
              scale: scale * (1.5 + Math.sin(t * 3)), animation: false});
  requestAnimationFrame(step);
}
requestAnimationFrame(step);
"""


def synthetic_graph(nodes: int, edges: int, seed: int = 1) -> KnowledgeGraph:
    """Invented companies and links with a few hubs, like a real build's degree spread."""
    rng = random.Random(seed)
    entities = [Entity.named(f"测试实体{i:05d}号", CLASSES[i % len(CLASSES)],
                             aliases=[f"别名{i}"] if i % 7 == 0 else []) for i in range(nodes)]
    triples = []
    for i in range(edges):
        a = entities[int(rng.paretovariate(1.2)) % nodes]
        b = entities[rng.randrange(nodes)]
        pid, label = PREDICATES[i % len(PREDICATES)]
        sentence = f"{a.name}{label}{b.name}。"
        spans = (Span("subject", 0, len(a.name)), Span("trigger", len(a.name), len(a.name) + 2),
                 Span("object", len(a.name) + 2, len(sentence) - 1))
        triples.append(Triple(a, PredicateRef(pid, label), b,
                              Evidence("bench", sentence, 0, len(sentence), spans), confidence=0.8))
    return KnowledgeGraph({e.id: e for e in entities}, triples)


def measure(page: Path, seconds: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="zhkg-bench-") as profile:
        driver = start_chromium(profile)
        try:
            open_page(driver, page)
            timing = driver.execute_script("return zhkg.timing")
            drawn = driver.execute_script(
                "return [zhkg.network.body.nodeIndices.length, zhkg.network.body.edgeIndices.length]")
            motion = driver.execute_async_script(PAN_AND_ZOOM, seconds)
            # What a mouse drag or wheel zoom draws: the page hides edges while the view moves.
            driver.execute_script("zhkg.network.setOptions({edges: {hidden: true}})")
            nodes_only = driver.execute_async_script(PAN_AND_ZOOM, seconds)
            version = driver.capabilities.get("browserVersion", "")
        finally:
            driver.quit()
    return {"first_draw_ms": round(timing["firstDraw"]), "stabilised_ms": round(timing["stabilized"] or 0),
            "script_start_ms": round(timing["started"]), "drawn_nodes": drawn[0], "drawn_edges": drawn[1],
            "pan_zoom": _rounded(motion), "pan_zoom_edges_hidden": _rounded(nodes_only),
            "chromium": version}


def _rounded(motion: dict) -> dict:
    return {k: round(v, 1) for k, v in motion.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--edges", type=int, default=20000)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--out", type=Path, default=Path("reports/bench_html.json"))
    args = parser.parse_args()
    graph = synthetic_graph(args.nodes, args.edges)
    with tempfile.TemporaryDirectory(prefix="zhkg-bench-page-") as tmp:
        began = time.perf_counter()
        page = write_html(graph, Path(tmp) / "bench.html", load_ontology(), "基准测试")
        write_s = time.perf_counter() - began
        result = {"nodes": args.nodes, "edges": args.edges, "page_bytes": page.stat().st_size,
                  "write_html_s": round(write_s, 2), **measure(page, args.seconds),
                  "machine": f"{platform.machine()}, {platform.python_version()}, headless, software rendering"}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
