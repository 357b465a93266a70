// zhkg graph page. Data comes from <script id="graph-data"> (built by kg/sinks/html.py).
// Rule: data reaches the DOM only through textContent and vis-network's text labels,
// never through innerHTML, so a hostile entity name stays text.
(function () {
  "use strict";
  var started = performance.now();
  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var entityById = new Map(data.nodes.map(function (n) { return [n.id, n]; }));
  var classLabel = new Map(data.classes.map(function (c) { return [c.name, c.label]; }));
  var hiddenClasses = new Set();
  var hiddenPredicates = new Set();
  var focus = null;  // Set of node ids shown around the selected node, or null for all
  var selected = null;  // the entity whose neighbourhood is in focus
  var FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif';

  function el(tag, text, className) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (className) e.className = className;
    return e;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  var nodes = new vis.DataSet(data.nodes.map(function (n) {
    return {id: n.id, label: n.name, type: n.type, size: n.size, color: n.color, kind: "entity"};
  }));
  var edges = new vis.DataSet(data.edges.map(function (e) {
    return {id: e.id, from: e.from, to: e.to, label: e.label, predicate: e.predicate, triple: e.triple};
  }));

  // Quantities are attributes; these nodes exist only while the toggle is on.
  var quantityNodes = [], quantityEdges = [];
  data.nodes.forEach(function (n) {
    n.quantities.forEach(function (q) {
      var t = data.triples[q.triple];
      quantityNodes.push({id: "q" + q.triple, label: q.raw, type: n.type, kind: "quantity",
                          shape: "box", color: "#f4f4f4", font: {size: 12}, entity: n.id});
      quantityEdges.push({id: "qe" + q.triple, from: n.id, to: "q" + q.triple, label: q.label,
                          predicate: t.predicate, triple: q.triple, dashes: true});
    });
  });

  var nodeView = new vis.DataView(nodes, {filter: function (n) {
    return !hiddenClasses.has(n.type) && (focus === null || focus.has(n.id));
  }});
  var edgeView = new vis.DataView(edges, {filter: function (e) {
    return !hiddenPredicates.has(e.predicate);
  }});

  var summary = data.nodes.length + " 个实体 · " + data.edges.length + " 条关系 · " +
                quantityNodes.length + " 个数值";
  var large = data.large;
  var options = {
    nodes: {shape: "dot", font: {face: FONT, size: 14, strokeWidth: 3, strokeColor: "#ffffff"},
            borderWidth: 1},
    edges: {arrows: {to: {enabled: true, scaleFactor: 0.5}},
            font: {face: FONT, size: 11, align: "middle", color: "#444444", strokeWidth: 3},
            color: {color: "#b0b0b0", highlight: "#333333", hover: "#555555"},
            smooth: large ? false : {type: "dynamic"}},
    layout: {improvedLayout: !large, randomSeed: 7},
    physics: large
      ? {solver: "barnesHut", stabilization: {iterations: 100, updateInterval: 25},
         barnesHut: {gravitationalConstant: -6000, springLength: 120, damping: 0.3}}
      : {solver: "forceAtlas2Based", stabilization: {iterations: 300},
         forceAtlas2Based: {gravitationalConstant: -60, springLength: 110}},
    interaction: {hover: !large, hideEdgesOnDrag: large, hideEdgesOnZoom: large,
                  keyboard: {enabled: true, bindToWindow: false}}
  };
  var network = new vis.Network(document.getElementById("graph"),
                                {nodes: nodeView, edges: edgeView}, options);
  var timing = {started: started, firstDraw: null, stabilized: null};
  network.once("afterDrawing", function () { timing.firstDraw = performance.now(); });
  var stats = document.getElementById("stats");
  stats.textContent = summary;
  network.on("stabilizationProgress", function (p) {
    stats.textContent = "布局中 " + Math.round(100 * p.iterations / p.total) + "%";
  });
  // Once the first layout has settled, physics stops for good: a focus, a filter or the
  // quantity toggle then only hides or adds nodes, and nothing drifts (or pushes neighbours
  // off the canvas) after the view was fitted to it. Positions are written back into the
  // data set, so a node the view hid comes back where it was.
  var frozen = false;
  function freeze() {
    if (frozen) return;
    frozen = true;
    timing.stabilized = performance.now();
    stats.textContent = summary;
    network.setOptions({physics: false});
    keepPositions();
  }
  network.once("stabilizationIterationsDone", freeze);
  network.once("stabilized", freeze);

  function keepPositions() {
    var shown = network.getPositions();
    nodes.update(Object.keys(shown).map(function (id) {
      return {id: id, x: shown[id].x, y: shown[id].y};
    }));
  }

  function refreshNodes() {
    if (frozen) keepPositions();
    nodeView.refresh();
  }

  // ---- neighbourhood focus ----
  // Hops follow the edges still shown, so a predicate filter also narrows the focus.
  function neighbourhood(id, hops) {
    var adjacent = new Map();
    function link(a, b) {
      if (!adjacent.has(a)) adjacent.set(a, []);
      adjacent.get(a).push(b);
    }
    edgeView.get().forEach(function (e) { link(e.from, e.to); link(e.to, e.from); });
    var seen = new Set([id]), frontier = [id];
    for (var h = 0; h < hops; h++) {
      var next = [];
      frontier.forEach(function (n) {
        (adjacent.get(n) || []).forEach(function (m) {
          if (!seen.has(m)) { seen.add(m); next.push(m); }
        });
      });
      frontier = next;
    }
    return seen;
  }

  function focusOn(id) {
    selected = id;
    focus = neighbourhood(id, Number(document.getElementById("hops").value));
    refreshNodes();
    network.selectNodes([id]);
    network.fit({nodes: Array.from(focus), maxZoomLevel: 1.2, animation: false});
    showEntity(id);
  }

  function showAll() {
    selected = null;
    focus = null;
    refreshNodes();
    network.unselectAll();
    network.fit({animation: false});
  }

  // ---- side panel ----
  var panel = document.getElementById("panel");

  function evidenceBlock(segments) {
    var quote = el("blockquote", null, "evidence");
    segments.forEach(function (s) {
      quote.appendChild(s.role ? el("mark", s.text, s.role) : document.createTextNode(s.text));
    });
    return quote;
  }

  function tripleItem(index) {
    var t = data.triples[index];
    var li = el("li", null, "triple");
    var head = el("div", null, "fact");
    head.appendChild(el("span", t.subjectName, "end"));
    head.appendChild(el("span", t.label, "predicate"));
    head.appendChild(el("span", t.objectName, "end"));
    li.appendChild(head);
    var meta = el("div", null, "meta");
    if (t.time) meta.appendChild(el("span", "时间：" + t.time));
    meta.appendChild(el("span", "置信度：" + t.confidence.toFixed(2)));
    if (t.inferred) meta.appendChild(el("span", "主语由上下文推断"));
    meta.appendChild(el("span", "文档：" + t.doc));
    li.appendChild(meta);
    li.appendChild(evidenceBlock(t.evidence));
    return li;
  }

  function quantityTable(rows) {
    var table = el("table", null, "quantities");
    var head = table.createTHead().insertRow();
    ["指标", "数值", "单位", "原文", "时间"].forEach(function (h) { head.appendChild(el("th", h)); });
    var body = table.createTBody();
    rows.forEach(function (q) {
      var tr = body.insertRow();
      [q.label, q.value, q.unit, q.raw, q.time].forEach(function (v) { tr.appendChild(el("td", v)); });
    });
    return table;
  }

  // ---- series chart: one small inline SVG per measure, drawn here (no library, no network) ----
  var SVG = "http://www.w3.org/2000/svg";
  function svg(tag, attrs, text) {
    var e = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
    if (text !== undefined) e.textContent = String(text);
    return e;
  }

  // Periods on x in the order given (chronological), values on y; the line joins the
  // best-supported value of each period; a period whose documents disagree shows every value
  // as a red dot. Each dot's tooltip names the period, the figure and how many documents say it.
  function seriesChart(s) {
    var W = 340, H = 130, left = 60, right = 28, top = 14, bottom = 30;  // left: room for the value labels
    var periods = [];
    s.points.forEach(function (p) { if (periods.indexOf(p.period) < 0) periods.push(p.period); });
    var values = s.points.map(function (p) { return p.value; });
    var lo = Math.min.apply(null, values), hi = Math.max.apply(null, values);
    var extremes = lo === hi ? [hi] : [hi, lo];
    if (lo === hi) { lo -= Math.abs(lo) * 0.1 || 1; hi += Math.abs(hi) * 0.1 || 1; }
    function x(period) {
      var i = periods.indexOf(period);
      return periods.length === 1 ? (left + W - right) / 2 : left + i * (W - left - right) / (periods.length - 1);
    }
    function y(v) { return top + 4 + (hi - v) * (H - top - bottom - 14) / (hi - lo); }
    var chart = svg("svg", {width: W, height: H, viewBox: "0 0 " + W + " " + H, role: "img", "class": "series"});
    chart.appendChild(svg("title", {}, s.label + "（" + (s.unit || "数") + "）"));
    chart.appendChild(svg("line", {x1: left - 8, x2: W - 4, y1: H - bottom, y2: H - bottom, stroke: "#cccccc"}));
    var best = periods.map(function (period) {
      return s.points.filter(function (p) { return p.period === period; })
        .reduce(function (a, b) { return b.sources > a.sources ? b : a; });
    });
    if (best.length > 1) {
      chart.appendChild(svg("polyline", {fill: "none", stroke: "#0072B2", "stroke-width": 1.5,
        points: best.map(function (p) { return x(p.period) + "," + y(p.value); }).join(" ")}));
    }
    var every = Math.max(1, Math.ceil(periods.length / 6));
    periods.forEach(function (period, i) {
      if (i % every === 0 || i === periods.length - 1) {
        chart.appendChild(svg("text", {x: x(period), y: H - bottom + 14, "font-size": 10, "text-anchor": "middle",
                                       fill: "#555555"}, period));
      }
    });
    s.points.forEach(function (p) {
      var dot = svg("circle", {cx: x(p.period), cy: y(p.value), r: 3 + Math.min(p.sources, 4),
                               fill: p.conflict ? "#D55E00" : "#0072B2", "fill-opacity": 0.8,
                               "class": p.conflict ? "conflict" : "agreed"});
      dot.appendChild(svg("title", {}, p.period + "：" + p.raw + "（" + p.sources + " 篇文档" +
                                       (p.conflict ? "，与其他文档不一致" : "") + "）"));
      chart.appendChild(dot);
    });
    extremes.forEach(function (v) {  // the highest and lowest figure as written, beside their height
      var p = s.points.find(function (q) { return q.value === v; });
      if (p) chart.appendChild(svg("text", {x: left - 10, y: y(v) + 3, "font-size": 10, fill: "#777777",
                                            "text-anchor": "end"}, p.raw));
    });
    return chart;
  }

  function seriesBlock(list) {
    var box = el("div", null, "series");
    list.forEach(function (s) {
      var conflicted = s.points.some(function (p) { return p.conflict; });
      box.appendChild(el("h4", s.label + (s.unit ? "（" + s.unit + "）" : "") + (conflicted ? " · 文档不一致" : "")));
      box.appendChild(seriesChart(s));
    });
    return box;
  }

  function showEntity(id) {
    var n = entityById.get(id);
    if (!n) return;
    clear(panel);
    panel.appendChild(el("h2", n.name, "name"));
    panel.appendChild(el("p", classLabel.get(n.type) || n.type, "class"));
    if (n.aliases.length) panel.appendChild(el("p", "别名：" + n.aliases.join("、"), "aliases"));
    if (n.quantities.length) {
      panel.appendChild(el("h3", "数值属性"));
      panel.appendChild(quantityTable(n.quantities));
    }
    if (n.series && n.series.length) {
      panel.appendChild(el("h3", "按期间（跨文档）"));
      panel.appendChild(seriesBlock(n.series));
    }
    var indices = n.triples.concat(n.quantities.map(function (q) { return q.triple; }));
    panel.appendChild(el("h3", "三元组（" + indices.length + "）"));
    var list = el("ol", null, "triples");
    indices.forEach(function (i) { list.appendChild(tripleItem(i)); });
    panel.appendChild(list);
  }

  function showEdge(edgeId) {
    var e = edges.get(edgeId);
    if (!e) return;
    clear(panel);
    panel.appendChild(el("h2", data.triples[e.triple].label, "name"));
    var list = el("ol", null, "triples");
    list.appendChild(tripleItem(e.triple));
    panel.appendChild(list);
  }

  network.on("click", function (params) {
    if (params.nodes.length) {
      var id = params.nodes[0];
      var q = quantityNodes.find(function (x) { return x.id === id; });
      focusOn(q ? q.entity : id);
    } else if (params.edges.length) {
      showEdge(params.edges[0]);
    }
  });

  // ---- search (names and aliases) ----
  var results = document.getElementById("results");
  function search(text) {
    clear(results);
    var needle = text.trim().toLowerCase();
    if (!needle) return;
    var hits = data.nodes.filter(function (n) {
      return n.name.toLowerCase().indexOf(needle) >= 0 || n.aliases.some(function (a) {
        return a.toLowerCase().indexOf(needle) >= 0;
      });
    }).slice(0, 30);
    if (!hits.length) results.appendChild(el("li", "无匹配", "none"));
    hits.forEach(function (n) {
      var li = el("li");
      var button = el("button", n.name, "hit");
      button.type = "button";
      button.dataset.id = n.id;
      button.addEventListener("click", function () { focusOn(n.id); });
      li.appendChild(button);
      li.appendChild(el("small", classLabel.get(n.type) || n.type));
      results.appendChild(li);
    });
  }
  var searchBox = document.getElementById("search");
  searchBox.addEventListener("input", function () { search(searchBox.value); });
  searchBox.addEventListener("keydown", function (ev) {
    var first = results.querySelector("button.hit");
    if (ev.key === "Enter" && first) first.click();
  });

  // ---- filters and toggles ----
  function checkboxItem(list, text, colour, onChange) {
    var li = el("li");
    var label = el("label");
    var box = el("input");
    box.type = "checkbox";
    box.checked = true;
    box.addEventListener("change", function () { onChange(box.checked); });
    label.appendChild(box);
    if (colour) {
      var swatch = el("span", null, "swatch");
      swatch.style.backgroundColor = colour;
      label.appendChild(swatch);
    }
    label.appendChild(document.createTextNode(text));
    li.appendChild(label);
    list.appendChild(li);
  }

  function toggle(set, key, shown, view) {
    if (shown) set.delete(key); else set.add(key);
    if (view === nodeView) refreshNodes(); else view.refresh();
  }

  var counts = new Map();
  data.nodes.forEach(function (n) { counts.set(n.type, (counts.get(n.type) || 0) + 1); });
  data.classes.forEach(function (c) {
    checkboxItem(document.getElementById("legend"), c.label + "（" + counts.get(c.name) + "）", c.color,
                 function (shown) { toggle(hiddenClasses, c.name, shown, nodeView); });
  });
  data.predicates.forEach(function (p) {
    checkboxItem(document.getElementById("predicate-filter"), p.label + (p.quantity ? "（数值）" : ""), null,
                 function (shown) { toggle(hiddenPredicates, p.id, shown, edgeView); });
  });

  document.getElementById("show-quantities").addEventListener("change", function (ev) {
    if (ev.target.checked) {
      // physics is off: each value box is placed on a small circle around its entity
      if (frozen) keepPositions();
      var around = new Map();
      nodes.add(quantityNodes.map(function (q) {
        var owner = nodes.get(q.entity), k = around.get(q.entity) || 0;
        around.set(q.entity, k + 1);
        var angle = 0.9 * k, radius = 70 + 12 * k;
        return Object.assign({}, q, owner && owner.x !== undefined
          ? {x: owner.x + radius * Math.cos(angle), y: owner.y + radius * Math.sin(angle)} : {});
      }));
      edges.add(quantityEdges);
    } else {
      edges.remove(quantityEdges.map(function (e) { return e.id; }));
      nodes.remove(quantityNodes.map(function (n) { return n.id; }));
    }
  });
  document.getElementById("reset").addEventListener("click", showAll);
  document.getElementById("hops").addEventListener("change", function () {
    if (selected !== null) focusOn(selected);
  });

  document.getElementById("title").textContent = data.title;
  if (data.note) {  // a bounded view of a big graph says what it leaves out
    var note = document.createElement("p");
    note.id = "note";
    note.textContent = data.note;
    document.querySelector("header").appendChild(note);
  }

  // For tests, benchmarks and the curious: the library objects behind the page.
  window.zhkg = {network: network, nodes: nodes, edges: edges, nodeView: nodeView,
                 edgeView: edgeView, timing: timing, focusOn: focusOn, showAll: showAll};
})();
