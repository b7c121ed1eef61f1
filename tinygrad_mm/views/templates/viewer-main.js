// Step-through viewer, part 4 of 4: moving (next, prev, play, speed, skip zeros, jump), views, zoom, presenter, keys.
(function (S) {
  var data = S.data, $ = S.$;

  S.go = function (p, force) {
    p = Math.max(0, Math.min(S.total(), p));
    if (!force && p === S.pos + 1 && S.shouldAsk(p)) { S.ask(p - S.F() - 1); update(false); return; }
    S.asking = null;
    $("quiz").hidden = true;
    S.pos = p;
    S.render();
    S.panel();
    if (data.quiz) S.showScore();
    update(true);
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
      }, 900 / S.speed);
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
    var g = S.graph.getBoundingClientRect(), r = target.getBoundingClientRect(), margin = 60;
    if (r.left < g.left + margin || r.right > g.right - margin) S.graph.scrollLeft += r.left + r.width / 2 - (g.left + g.width / 2);
    if (r.top < g.top + margin || r.bottom > g.bottom - margin) S.graph.scrollTop += r.top + r.height / 2 - (g.top + g.height / 2);
  };
  function natural() {
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
    var n = natural(), px = 4 / 3, big = document.body.classList.contains("presenter") ? 2.25 : 1.5;
    return Math.min((S.graph.clientWidth - 24) / (n.w * px), (S.graph.clientHeight - 24) / (n.h * px), big);
  }
  S.fit = function (fallback) {
    var z = fitZoom();
    setZoom(z >= 0.5 || fallback === undefined ? z : fallback);
  };

  function presenter(on) {
    document.body.classList.toggle("presenter", on);
    $("presenter").setAttribute("aria-pressed", String(on));
    S.natural = null;
    var z = fitZoom();
    setZoom(on ? Math.max(z, Math.min(S.zoom * 1.5, 2.25)) : Math.min(S.zoom / 1.5, Math.max(z, 0.75)));
  }

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
  S.go(0, true);
  S.timing = { script: started, ready: performance.now() };  // for benchmarks/viewer_load.py
  document.body.setAttribute("data-ready", "1");
})(tgmm);
