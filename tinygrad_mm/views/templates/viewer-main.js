// Step-through viewer, part 4 of 4: moving (next, prev, play, speed, skip zeros, jump), views, zoom, presenter, keys.
(function (S) {
  var data = S.data, $ = S.$;

  S.go = function (p, force, still) {  // still: the same step redrawn (a live edit), the view not moved to it
    p = Math.max(0, Math.min(S.total(), p));
    if (!force && p === S.pos + 1 && S.shouldAsk(p)) { S.ask(p - S.F() - 1); S.fitPanel(); update(false); return; }
    S.asking = null;
    $("quiz").hidden = true;
    if (data.quiz && p > S.pos) S.skipQuestions(S.done(), Math.max(0, p - S.F()));  // jumped past questions: skipped
    S.pos = p;
    S.render();
    S.panel();
    if (data.quiz) { S.showScore(); S.quizSummary(); }
    S.fitPanel();
    update(!still);
  };
  function update(follow) {
    var total = S.total(), F = S.F(), done = S.done();
    $("counter").textContent = S.pos === 0 ? "start · " + total + " steps"
      : S.pos <= F && data.forward ? "forward " + S.pos + " of " + F : "step " + done + " of " + S.N();
    $("scrub").max = total;
    $("scrub").value = S.pos;
    $("prev").disabled = $("reset").disabled = S.pos === 0;
    $("next").disabled = S.pos === total && S.asking === null;
    $("collapse-all").hidden = S.view === 0;
    $("expand-all").hidden = data.expand_all === null || S.view === data.expand_all;
    if (follow) S.follow(currentElement());
  }
  function currentElement() {
    var V = S.V(), done = S.done();
    if (S.asking !== null) return S.byId[V.steps[S.asking].u];
    if (data.forward && S.pos <= S.F()) return S.pos > 0 ? S.byId[V.forward[S.pos - 1].u] : null;
    return S.byId[done > 0 ? V.steps[done - 1].u : "v" + data.root] || null;
  }

  function step(direction) {  // one step, or past the steps that send 0 when asked to skip them
    var p = S.pos + direction;
    while (S.skipZero && p > 0 && p < S.total() && S.isZero(p)) p += direction;
    return p;
  }
  function next() { if (S.asking !== null) { S.reveal(); return; } S.go(step(1)); }
  function prev() { play(false); S.go(step(-1)); }
  function play(on) {
    if (on && !S.timer) {
      if (S.pos === S.total()) S.go(0);
      S.timer = setInterval(function () {
        if (S.pos >= S.total() || S.asking !== null) play(false); else S.go(step(1));
      }, 900 / Math.min(S.speed, S.maxSpeed || Infinity));  // S.maxSpeed: reduced motion (viewer-a11y.js)
    } else if (!on && S.timer) { clearInterval(S.timer); S.timer = null; }
    $("play").textContent = S.timer ? "⏸ Pause" : "▶ Play";
  }
  function setSpeed(speed) {
    var options = [].map.call($("speed").options, function (o) { return Number(o.value); });
    S.speed = options.indexOf(speed) >= 0 ? speed : 1;
    $("speed").value = String(S.speed);
    if (S.timer) { play(false); play(true); }
  }
  function faster(by) {
    var options = [].map.call($("speed").options, function (o) { return Number(o.value); });
    setSpeed(options[Math.max(0, Math.min(options.length - 1, options.indexOf(S.speed) + by))]);
  }

  // ---- views: open a box in place, collapse it again
  function openView(k, into) {
    var keep = S.zoom;
    S.switchView(k, into);
    S.fit(Math.min(keep, 1));  // a drawing too big to fit keeps a readable zoom and follows the current node
    S.go(S.pos, true);
  }
  S.graph.addEventListener("click", function (ev) {
    var target = ev.target.closest ? ev.target.closest("g.node, g.cluster") : null;
    if (!target) return;
    var id = target.id, V = S.V();
    if (V.expand[id] !== undefined) {
      var box = V.steps[S.stepOfUnit(id)];
      openView(V.expand[id], box ? S.covers(box) : null);
    } else if (V.collapse[id] !== undefined) {
      openView(V.collapse[id], null);
    } else {
      var unit = /^v\d+op$/.test(id) ? id.slice(0, -2) : id, t = S.stepOfUnit(unit);
      if (t >= 0) { play(false); S.go(S.F() + t + 1, true); }
    }
  });

  // ---- zoom: Graphviz sizes the SVG in points; the view follows the current node without moving the layout
  S.follow = function (target) {
    if (!target) return;
    var g = S.graph.getBoundingClientRect(), r = S.presenting() ? neighbourhood(target) : target.getBoundingClientRect(), margin = 60;
    if (r.right - r.left > g.width - 2 * margin || r.bottom - r.top > g.height - 2 * margin) {  // too big: the node itself
      r = target.getBoundingClientRect(); margin = 12;
    }
    if (r.left < g.left + margin || r.right > g.right - margin) S.graph.scrollLeft += (r.left + r.right) / 2 - (g.left + g.width / 2);
    if (r.top < g.top + margin || r.bottom > g.bottom - margin) S.graph.scrollTop += (r.top + r.bottom) / 2 - (g.top + g.height / 2);
  };
  function neighbourhood(target) {  // the current unit, the edges it sends along and the units they reach: one box
    var els = [target], V = S.V(), done = S.done(), step = S.asking !== null ? V.steps[S.asking] : done > 0 ? V.steps[done - 1] : null;
    var edges = data.forward && S.pos <= S.F() ? (S.pos > 0 ? V.forward[S.pos - 1].edges : [])
      : step ? Object.keys(step.show.edges).filter(function (id) { return step.show.edges[id] !== "done"; }) : [];  // sent now
    edges.forEach(function (id) {
      var edge = S.byId[id], title = edge && edge.querySelector("title");
      if (!edge) return;
      els.push(edge);
      var ends = title ? title.textContent.split("->") : [];
      [0, 1].forEach(function (k) { if (ends[k] && S.byId[ends[k].trim()]) els.push(S.byId[ends[k].trim()]); });
    });
    var box = { left: Infinity, top: Infinity, right: -Infinity, bottom: -Infinity };
    els.forEach(function (e) {
      var r = e.getBoundingClientRect();
      box.left = Math.min(box.left, r.left); box.top = Math.min(box.top, r.top);
      box.right = Math.max(box.right, r.right); box.bottom = Math.max(box.bottom, r.bottom);
    });
    return box;
  }
  S.neighbourhood = neighbourhood;
  function natural() {  // the drawing's size at zoom 1, read once per drawing (S.showView resets it), never after a zoom
    if (!S.natural) S.natural = { w: S.svg.width.baseVal.valueInSpecifiedUnits, h: S.svg.height.baseVal.valueInSpecifiedUnits };
    return S.natural;
  }
  function setZoom(z) {
    var n = natural();
    S.zoom = Math.max(0.05, Math.min(6, z));
    S.svg.setAttribute("width", n.w * S.zoom + "pt");
    S.svg.setAttribute("height", n.h * S.zoom + "pt");
    S.follow(currentElement());
  }
  function fitZoom() {  // the zoom at which the whole graph fits the pane
    var n = natural(), px = 4 / 3, big = S.presenting() ? 2.25 : 1.5;
    return Math.min((S.graph.clientWidth - 24) / (n.w * px), (S.graph.clientHeight - 24) / (n.h * px), big);
  }
  S.fit = function (fallback) {
    if (S.presenting()) { setZoom(presenterZoom()); return; }
    var z = fitZoom();
    setZoom(z >= 0.5 || fallback === undefined ? z : fallback);
  };

  // ---- presenter mode (P, or `html --present`): large labels, the neighbourhood in view, the header out of the way.
  // Its zoom depends only on the drawing and the window, never on the zoom before: P toggles, it never drifts.
  S.presenting = function () { return document.body.classList.contains("presenter"); };
  function smallestFont() {  // the smallest font of the drawing, in points (every label, gradient slots included)
    var sizes = [].map.call(S.svg.querySelectorAll("text[font-size]"), function (t) { return parseFloat(t.getAttribute("font-size")); });
    return sizes.length ? Math.min.apply(null, sizes) : 14;
  }
  S.labelPixels = function () {  // the smallest label a room can read: 12 px at 768 px tall, 16 px at 1080 and taller
    return Math.max(12, Math.min(16, window.innerHeight / 67.5));
  };
  function presenterZoom() {
    return Math.min(6, Math.max(fitZoom(), S.labelPixels() / (smallestFont() * 4 / 3)));
  }
  S.presenterZoom = presenterZoom;
  function presenter(on) {
    if (on === S.presenting()) return;
    if (on) S.zoomBefore = S.zoom;
    document.body.classList.toggle("presenter", on);
    $("presenter").setAttribute("aria-pressed", String(on));
    document.dispatchEvent(new CustomEvent("tgmm:presenter", { detail: on }));  // the live box moves to the header
    S.fitPanel();
    setZoom(on ? presenterZoom() : S.zoomBefore);
  }
  S.presenter = presenter;
  S.fitPanel = function () {  // presenting, the panel has a fixed size: lines that do not fit become "… and n more"
    var panel = $("panel"), more = $("panel-more");
    if (more) more.parentNode.removeChild(more);
    var items = [].slice.call(panel.querySelectorAll("#step-lines > li, #step-received li, #quiz-summary li, #summary li"));
    items.forEach(function (li) { li.hidden = false; });
    if (!S.presenting()) return;
    var overflows = function () { return panel.scrollHeight > panel.clientHeight + 1 || panel.scrollWidth > panel.clientWidth + 1; };
    var hidden = 0, hide = function () { items[items.length - 1 - hidden].hidden = true; hidden++; };
    var say = function () { return "… and " + hidden + " more line" + (hidden > 1 ? "s" : "") + " (P: leave presenter mode to read them all)"; };
    while (overflows() && hidden < items.length) hide();
    if (!hidden) return;
    more = S.el("p", "more", say());  // the note takes room too: hide until both fit
    more.id = "panel-more";
    var last = items[items.length - hidden];
    last.parentNode.parentNode.insertBefore(more, last.parentNode.nextSibling);
    while (overflows() && hidden < items.length) { hide(); more.textContent = say(); }
  };
  window.addEventListener("resize", function () {  // the window changed: the same zoom rule, the current node kept in view
    if (S.presenting()) { S.fitPanel(); setZoom(presenterZoom()); } else S.follow(currentElement());
  });

  $("next").addEventListener("click", function () { play(false); next(); });
  $("prev").addEventListener("click", prev);
  $("reset").addEventListener("click", function () { play(false); S.go(0); });
  $("play").addEventListener("click", function () { play(!S.timer); });
  $("scrub").addEventListener("input", function () { play(false); S.go(Number(this.value), true); });
  $("speed").addEventListener("change", function () { setSpeed(Number(this.value)); });
  $("skip-zero").addEventListener("change", function () { S.skipZero = this.checked; });
  $("zoom-in").addEventListener("click", function () { setZoom(S.zoom * 1.25); });
  $("zoom-out").addEventListener("click", function () { setZoom(S.zoom / 1.25); });
  $("zoom-fit").addEventListener("click", function () { S.fit(); });
  $("presenter").addEventListener("click", function () { presenter(!document.body.classList.contains("presenter")); });
  $("collapse-all").addEventListener("click", function () { openView(0, null); });
  $("expand-all").addEventListener("click", function () { if (data.expand_all !== null) openView(data.expand_all, null); });
  document.addEventListener("keydown", function (ev) {
    var tag = ev.target && ev.target.tagName, type = ev.target && ev.target.type;
    if ((tag === "INPUT" && type !== "checkbox") || tag === "SELECT" || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    var keys = {
      ArrowRight: function () { play(false); next(); }, ArrowLeft: prev,
      Home: function () { play(false); S.go(0); }, End: function () { play(false); S.go(S.total(), true); },
      " ": function () { play(!S.timer); }, "+": function () { setZoom(S.zoom * 1.25); }, "=": function () { setZoom(S.zoom * 1.25); },
      "-": function () { setZoom(S.zoom / 1.25); }, "0": function () { S.fit(); },
      p: function () { presenter(!document.body.classList.contains("presenter")); },
      z: function () { $("skip-zero").checked = S.skipZero = !S.skipZero; },
      "[": function () { faster(-1); }, "]": function () { faster(1); },
      c: function () { if (S.view !== 0) openView(0, null); },
      x: function () { if (data.expand_all !== null && S.view !== data.expand_all) openView(data.expand_all, null); }
    };
    var action = keys[ev.key.length === 1 ? ev.key.toLowerCase() : ev.key];
    if (action) { ev.preventDefault(); action(); }
  });

  var legend = document.querySelector(".legend .keys");
  Object.keys(data.fills || {}).forEach(function (kind) {  // leaf colours, as in the drawing
    var chip = S.el("span"), sw = S.el("i", "sw");
    sw.style.background = data.fills[kind];
    chip.appendChild(sw);
    chip.appendChild(document.createTextNode(kind));
    legend.parentNode.insertBefore(chip, legend);
  });

  var started = performance.now();
  S.showView(0);
  S.fit(0.75);  // a large graph starts readable; the view follows the current node
  if (data.present) presenter(true);  // tinygrad-mm html --present
  S.go(0, true);
  S.timing = { script: started, ready: performance.now() };  // for benchmarks/viewer_load.py
  document.body.setAttribute("data-ready", "1");
})(tgmm);
