// Step-through viewer for tinygrad_mm's backward pass.  Every text shown comes from the JSON data
// block and is inserted with textContent only (never as HTML); the SVG layout is fixed and only
// CSS classes change, so nodes never move between steps.
(function () {
  "use strict";
  var SVG_NS = "http://www.w3.org/2000/svg";
  var data = JSON.parse(document.getElementById("tgmm-data").textContent);
  var nodes = data.nodes, steps = data.steps, N = steps.length, rootName = data.root_name;
  var graph = document.getElementById("graph"), svg = graph.querySelector("svg");
  var $ = function (id) { return document.getElementById(id); };
  var pos = 0;        // 0: forward pass done, nothing propagated; k: steps[0..k-1] done
  var timer = null, zoom = 1, natural = null;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function nodeEl(i) { return document.getElementById("v" + i); }
  function edgeEls(i) {  // the edges into node i's op and out of it: e{i}_{k}, e{i}_out
    var out = [];
    for (var k = 0; k < steps[stepOf[i]].edges.length; k++) out.push(document.getElementById("e" + i + "_" + k));
    out.push(document.getElementById("e" + i + "_out"));
    return out;  // null where the drawing has no such edge (a leaf has no op edge); setClass skips those
  }
  var stepOf = {};
  steps.forEach(function (s, t) { stepOf[s.node] = t; });

  // ---- gradient badges: one per value node, drawn once under the node's shape, hidden until known
  var widest = nodes.map(function () { return 1; });  // the longest gradient text each node will show
  steps.forEach(function (s) {
    s.edges.forEach(function (e) { widest[e.parent] = Math.max(widest[e.parent], e.after.length); });
  });
  var badges = nodes.map(function (node, i) {
    var g = nodeEl(i);
    if (!g) return null;
    var box = g.getBBox();
    var badge = document.createElementNS(SVG_NS, "g");
    badge.setAttribute("class", "grad-badge");
    badge.setAttribute("id", "v" + i + "-grad");
    var rect = document.createElementNS(SVG_NS, "rect");
    var text = document.createElementNS(SVG_NS, "text");
    text.setAttribute("x", box.x + box.width / 2);
    text.setAttribute("y", box.y + box.height + 13);
    text.setAttribute("text-anchor", "middle");
    rect.setAttribute("rx", 3);
    badge.appendChild(rect);
    badge.appendChild(text);
    g.appendChild(badge);
    text.textContent = "grad " + "0".repeat(widest[i]) + " …";  // a placeholder, only to measure the space
    return { g: badge, rect: rect, text: text };
  });
  // grow the drawing's viewBox so that badges at its edges are not cut off
  (function () {
    var box = svg.getBBox(), pad = 6;
    svg.setAttribute("viewBox", [box.x - pad, box.y - pad, box.width + 2 * pad, box.height + 2 * pad].join(" "));
    svg.setAttribute("width", box.width + 2 * pad + "pt");
    svg.setAttribute("height", box.height + 2 * pad + "pt");
    badges.forEach(function (b) { if (b) b.text.textContent = ""; });
  })();

  function setBadge(i, value, exact, state) {
    var b = badges[i];
    if (!b) return;
    if (value === null) { b.g.setAttribute("class", "grad-badge"); return; }
    b.text.textContent = "grad " + value + (state === "partial" ? " …" : "");
    b.text.setAttribute("data-exact", String(exact));
    b.g.setAttribute("class", "grad-badge shown " + state);
    var t = b.text.getBBox();
    b.rect.setAttribute("x", t.x - 4); b.rect.setAttribute("y", t.y - 1);
    b.rect.setAttribute("width", t.width + 8); b.rect.setAttribute("height", t.height + 2);
  }

  function setClass(e, cls, on) { if (e) e.classList.toggle(cls, on); }

  // ---- the state after `pos` steps, recomputed from the start (a few thousand edges at most).
  // A gradient is final once every use of the node has sent its contribution (the root: once seeded).
  function state() {
    var grad = nodes.map(function () { return null; }), exact = grad.slice(), kind = grad.slice();
    var received = nodes.map(function () { return 0; });
    if (pos > 0) { grad[data.root] = steps[0].grad; exact[data.root] = steps[0].grad_exact; kind[data.root] = "final"; }
    for (var t = 0; t < pos; t++) {
      steps[t].edges.forEach(function (e) {
        grad[e.parent] = e.after; exact[e.parent] = e.after_exact;
        received[e.parent] += 1;
        kind[e.parent] = received[e.parent] === nodes[e.parent].uses ? "final" : "partial";
      });
    }
    if (pos > 0) kind[steps[pos - 1].node] = "current";
    return { grad: grad, exact: exact, kind: kind };
  }

  function render() {
    var st = state();
    nodes.forEach(function (node, i) {
      var g = nodeEl(i);
      ["current", "partial", "final"].forEach(function (c) { setClass(g, c, st.kind[i] === c); });
      setClass(document.getElementById("v" + i + "op"), "op-current", st.kind[i] === "current");
      setBadge(i, st.grad[i], st.exact[i], st.kind[i]);
    });
    steps.forEach(function (s, t) {
      var els = edgeEls(s.node);
      var ks = s.edges.map(function (e) { return e.zero; });
      els.forEach(function (e, j) {
        var zero = j < ks.length ? ks[j] : ks.length > 0 && ks.every(Boolean);
        setClass(e, "now", t === pos - 1 && !zero);
        setClass(e, "done", t < pos - 1 && !zero);
        setClass(e, "zero", t < pos && zero);
      });
    });
    panel();
    $("counter").textContent = pos === 0 ? "start · " + N + " steps" : "step " + pos + " of " + N;
    $("scrub").value = pos;
    $("prev").disabled = $("reset").disabled = pos === 0;
    $("next").disabled = pos === N;
    follow(nodeEl(pos > 0 ? steps[pos - 1].node : data.root));  // at the start: the root, where backprop begins
  }

  function panel() {
    var title = $("step-title"), gradLine = $("step-grad"), note = $("step-note"), lines = $("step-lines"), rec = $("step-received");
    lines.textContent = ""; rec.textContent = ""; gradLine.textContent = "";
    if (pos === 0) {
      title.textContent = "Forward pass done: " + rootName + " = " + data.root_data;
      note.textContent = "No gradient is known yet. Press Next (→): backprop starts at " + rootName +
        " with ∂" + rootName + "/∂" + rootName + " = 1, then visits each node after every node that uses it, " +
        "adding ∂" + rootName + "/∂node · ∂node/∂parent to each parent's gradient.";
      return;
    }
    var s = steps[pos - 1], node = nodes[s.node], name = node.name;
    title.textContent = "Step " + pos + ": " + name + (node.op ? "  (" + node.op + ")" : "  (" + node.kind + ")");
    gradLine.appendChild(document.createTextNode("∂" + rootName + "/∂" + name + " = "));
    var b = el("b", "grad-value", s.grad);
    b.setAttribute("data-exact", String(s.grad_exact));
    gradLine.appendChild(b);
    if (pos === 1) {
      note.textContent = "The seed: ∂" + rootName + "/∂" + rootName + " = 1. " +
        (s.edges.length ? "It now sends one contribution to each input of " + rootName + "." : "");
    } else if (s.edges.length) {
      note.textContent = (node.uses === 1 ? "Final: its only use has sent its contribution. "
        : "Final: all " + node.uses + " uses of " + name + " have sent their contributions. ") +
        "Chain rule, one line per input of " + name + ":";
    } else {
      note.textContent = name + " is a leaf (" + node.kind + "): nothing to pass on. Its gradient is final: " +
        "the sum of what its " + node.uses + " use" + (node.uses === 1 ? "" : "s") + " sent.";
    }
    s.edges.forEach(function (e) {
      var li = el("li", e.zero ? "zero" : "", e.text);
      pointAt(li, e.parent);
      li.appendChild(el("span", "acc", "∂" + rootName + "/∂" + nodes[e.parent].name + ": " + e.before + " → " + e.after));
      lines.appendChild(li);
    });
    if (s.received.length > 1 || (!s.edges.length && s.received.length)) {
      rec.appendChild(el("h3", "", "∂" + rootName + "/∂" + name + " = " + s.grad + " is the sum of what reached it:"));
      var ol = el("ol");
      s.received.forEach(function (r) {
        var li = el("li", "", "from " + r.from + " (step " + (r.step + 1) + "): " + r.text);
        pointAt(li, steps[r.step].node);
        ol.appendChild(li);
      });
      rec.appendChild(ol);
    }
  }

  function pointAt(li, i) {  // hovering a line of the panel outlines the node it names in the graph
    li.setAttribute("data-node", "v" + i);
    li.addEventListener("mouseenter", function () { setClass(nodeEl(i), "pointed", true); });
    li.addEventListener("mouseleave", function () { setClass(nodeEl(i), "pointed", false); });
  }

  function follow(target) {  // keep the current node in view without moving the layout
    if (!target) return;
    var g = graph.getBoundingClientRect(), r = target.getBoundingClientRect();
    var margin = 60;
    if (r.left < g.left + margin || r.right > g.right - margin)
      graph.scrollLeft += r.left + r.width / 2 - (g.left + g.width / 2);
    if (r.top < g.top + margin || r.bottom > g.bottom - margin)
      graph.scrollTop += r.top + r.height / 2 - (g.top + g.height / 2);
  }

  function go(p) { pos = Math.max(0, Math.min(N, p)); render(); }
  function play(on) {
    if (on && !timer) {
      if (pos === N) pos = 0;
      timer = setInterval(function () { if (pos >= N) play(false); else go(pos + 1); }, 900);
    } else if (!on && timer) { clearInterval(timer); timer = null; }
    $("play").textContent = timer ? "⏸ Pause" : "▶ Play";
  }
  function setZoom(z) {
    if (!natural) natural = { w: svg.width.baseVal.value, h: svg.height.baseVal.value };
    zoom = Math.max(0.1, Math.min(4, z));
    svg.setAttribute("width", natural.w * zoom + "pt");
    svg.setAttribute("height", natural.h * zoom + "pt");
    if (pos > 0) follow(nodeEl(steps[pos - 1].node));
  }
  function fitZoom() {  // the zoom at which the whole graph fits the pane
    if (!natural) natural = { w: svg.width.baseVal.value, h: svg.height.baseVal.value };
    var px = 4 / 3;  // Graphviz sizes the SVG in points
    return Math.min((graph.clientWidth - 20) / (natural.w * px), (graph.clientHeight - 20) / (natural.h * px), 1.5);
  }
  function fit() { setZoom(fitZoom()); }

  var legend = document.querySelector(".legend .keys");
  Object.keys(data.fills || {}).forEach(function (kind) {  // leaf colours, as in the drawing
    var chip = el("span"), sw = el("i", "sw");
    sw.style.background = data.fills[kind];
    chip.appendChild(sw);
    chip.appendChild(document.createTextNode(kind));
    legend.parentNode.insertBefore(chip, legend);
  });

  $("next").addEventListener("click", function () { play(false); go(pos + 1); });
  $("prev").addEventListener("click", function () { play(false); go(pos - 1); });
  $("reset").addEventListener("click", function () { play(false); go(0); });
  $("play").addEventListener("click", function () { play(!timer); });
  $("scrub").max = N;
  $("scrub").addEventListener("input", function () { play(false); go(Number(this.value)); });
  $("zoom-in").addEventListener("click", function () { setZoom(zoom * 1.25); });
  $("zoom-out").addEventListener("click", function () { setZoom(zoom / 1.25); });
  $("zoom-fit").addEventListener("click", fit);
  document.addEventListener("keydown", function (ev) {
    if (ev.target && ev.target.tagName === "INPUT" || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    var keys = {
      ArrowRight: function () { play(false); go(pos + 1); }, ArrowLeft: function () { play(false); go(pos - 1); },
      Home: function () { play(false); go(0); }, End: function () { play(false); go(N); },
      " ": function () { play(!timer); }, "+": function () { setZoom(zoom * 1.25); }, "=": function () { setZoom(zoom * 1.25); },
      "-": function () { setZoom(zoom / 1.25); }, "0": fit
    };
    if (keys[ev.key]) { ev.preventDefault(); keys[ev.key](); }
  });
  setZoom(fitZoom() >= 0.5 ? fitZoom() : 0.75);  // a large graph starts readable; the view follows the current node
  render();
})();
