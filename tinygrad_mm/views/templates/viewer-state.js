// Step-through viewer for tinygrad_mm's backward pass, part 1 of 4: the data, the views and the state.
// Every text shown comes from the JSON data block and is inserted with textContent only (never as HTML);
// each drawing's layout is fixed and only CSS classes and slot texts change, so nodes never move.
"use strict";
var tgmm = (function () {
  var data = JSON.parse(document.getElementById("tgmm-data").textContent);
  var S = {
    data: data, view: 0, pos: 0, asking: null, timer: null, speed: 1, skipZero: false, zoom: 1, natural: null,
    graph: document.getElementById("graph"), svg: null, byId: {}, units: [], edges: [], badges: {}
  };
  S.$ = function (id) { return document.getElementById(id); };
  S.V = function () { return data.views[S.view]; };
  S.F = function () { return S.V().forward.length; };            // forward steps (0 without --forward)
  S.N = function () { return S.V().steps.length; };              // backward steps of this view
  S.total = function () { return S.F() + S.N(); };
  S.done = function () { return Math.max(0, S.pos - S.F()); };   // backward steps done
  S.covers = function (step) { return step.covers || [step.t]; };
  S.full = function (step) { return step.t === undefined ? null : data.steps[step.t]; };

  // ---- the drawing of view k: cloned from its inert <template>, indexed once (no layout is read here)
  S.showView = function (k) {
    S.view = k;
    var fragment = document.getElementById("view-" + k).content.cloneNode(true);
    S.graph.textContent = "";
    S.graph.appendChild(fragment);
    S.svg = S.graph.querySelector("svg");
    S.byId = {}; S.units = []; S.edges = []; S.badges = {};
    var all = S.svg.querySelectorAll("[id]");
    for (var n = 0; n < all.length; n++) {
      var e = all[n], id = e.id, cls = e.getAttribute("class") || "";
      S.byId[id] = e;
      if (cls === "node" || cls === "cluster") S.units.push({ el: e, base: cls, id: id });
      else if (cls === "edge") S.edges.push({ el: e, base: cls, id: id });
      else if (cls === "grad-badge") S.badges[id.slice(0, -5)] = { g: e, text: e.querySelector("text") };
    }
    S.natural = null;
  };

  // ---- the state after S.pos steps, folded from the start: O(changes) per render
  S.state = function () {
    var V = S.V(), F = S.F(), done = S.done(), st = { units: {}, edges: {}, badges: {}, current: null, hidden: null };
    if (data.forward && F > 0 && S.pos <= F) {  // the forward stage: values appear unit by unit
      st.hidden = {};
      S.units.forEach(function (u) { st.hidden[u.id] = true; });
      V.leafUnits.forEach(function (u) { delete st.hidden[u]; });
      for (var f = 0; f < S.pos; f++) delete st.hidden[V.forward[f].u];
      if (S.pos > 0) {
        var fw = V.forward[S.pos - 1];
        st.current = fw.u; st.units[fw.u] = "current";
        fw.edges.forEach(function (id) { st.edges[id] = "fwd"; });
      }
      return st;
    }
    S.fold(V, done, st);
    if (done > 0) st.current = V.steps[done - 1].u;
    if (S.asking !== null) {  // quiz: the gradient asked for stays hidden until answered
      var asked = V.steps[S.asking];
      st.units[asked.u] = "asking";
      asked.current.forEach(function (slot) { st.badges[slot] = ["grad ?", null, "asking"]; });
    }
    return st;
  };

  // the drawing's state after `done` backward steps of view V: the changes Python computed for each step
  // (views/step_state.py), applied in order; null removes an entry
  S.fold = function (V, done, st) {
    for (var t = 0; t < done; t++) {
      var show = V.steps[t].show;
      ["units", "edges", "badges"].forEach(function (part) {
        Object.keys(show[part]).forEach(function (id) {
          if (show[part][id] === null) delete st[part][id]; else st[part][id] = show[part][id];
        });
      });
    }
    return st;
  };

  // every attribute and text is written only where it differs from what the element has: a step (or a live edit)
  // that changes a few units costs a few writes, and the browser restyles and lays out only those
  function setAttr(el, name, value) { if (el.getAttribute(name) !== value) el.setAttribute(name, value); }
  S.render = function () {
    var st = S.state();
    S.units.forEach(function (u) {
      var cls = u.base, state = st.units[u.id];
      if (state) cls += " " + state;
      if (st.hidden && st.hidden[u.id]) cls += " uncomputed";
      setAttr(u.el, "class", cls);
    });
    S.edges.forEach(function (e) {
      var state = st.edges[e.id];
      setAttr(e.el, "class", state ? e.base + " " + state : e.base);
    });
    Object.keys(S.badges).forEach(function (slot) {
      var b = S.badges[slot], v = st.badges[slot];
      if (!v) { setAttr(b.g, "class", "grad-badge"); if (b.text.textContent !== "") b.text.textContent = ""; return; }
      if (b.text.textContent !== v[0]) b.text.textContent = v[0];
      if (v[1] === null) { if (b.text.hasAttribute("data-exact")) b.text.removeAttribute("data-exact"); }
      else setAttr(b.text, "data-exact", String(v[1]));
      setAttr(b.g, "class", "grad-badge shown " + v[2]);
    });
    return st;
  };

  // ---- moving between views: keep what is done; opening a box steps inside it
  S.doneSet = function () {
    var set = {}, V = S.V();
    for (var t = 0; t < S.done(); t++) S.covers(V.steps[t]).forEach(function (c) { set[c] = true; });
    return set;
  };
  S.switchView = function (k, into) {
    var done = S.doneSet(), forwardStage = data.forward && S.pos < S.F();
    var here = S.done() > 0 ? S.covers(S.V().steps[S.done() - 1]) : [];
    var onBox = into && here.length === into.length && into.every(function (c, n) { return here[n] === c; });
    var boxDone = into && !onBox && into.every(function (c) { return done[c]; });  // opened on its own step: its first inner step
    S.showView(k);
    var W = S.V(), q = 0;
    if (into && !boxDone) {
      var inside = {};
      into.forEach(function (c) { inside[c] = true; });
      while (q < W.steps.length && !inside[S.covers(W.steps[q])[0]]) q++;
      q = Math.min(q + 1, W.steps.length);
    } else {
      while (q < W.steps.length && S.covers(W.steps[q]).every(function (c) { return done[c]; })) q++;
    }
    S.asking = null;
    S.pos = forwardStage ? 0 : S.F() + q;
  };

  // where a unit's backward step is in the current view (for click-to-jump)
  var stepOf = {};
  S.stepOfUnit = function (unit) {
    var of = stepOf[S.view];
    if (!of) {  // found once per view: the keyboard's tab stop asks at every move
      var steps = S.V().steps;
      of = stepOf[S.view] = {};
      for (var t = steps.length - 1; t >= 0; t--) of[steps[t].u] = t;
    }
    return of[unit] !== undefined ? of[unit] : -1;
  };
  S.isZero = function (p) {  // is position p (1-based, after the step) a backward step that sends 0?
    var b = p - S.F();
    return b >= 1 && b <= S.N() && !!S.V().steps[b - 1].zero;
  };
  return S;
})();

// The page's state after each backward step of view k (default: the one shown), as the page computes it:
// [{units, edges, badges}, …], one per step.  tests/test_step_state.py compares it with Python's, step by step.
window.tinygradSteps = function (k) {
  var V = tgmm.data.views[k === undefined ? tgmm.view : k], out = [];
  for (var done = 1; done <= V.steps.length; done++) out.push(tgmm.fold(V, done, { units: {}, edges: {}, badges: {} }));
  return out;
};
