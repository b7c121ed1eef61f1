// Step-through viewer, part 5: the live page. Edit a leaf (or Δ) and both passes are recomputed here, as backward()
// does them, with each op's JavaScript printed from the op class's own statement (appended below by views/live.py:
// tgmm.live.start([...])); then every number the page shows is rewritten and the page is drawn again.
// A refused input (not a number, log of a negative, division by zero) shows the engine's message and keeps the last good state.
function OpRefusal(message) { this.message = message; }   // thrown by the generated op code: the engine's own words
function g6(x) { return fmtG(x, 6, "-"); }                  // Python's "%.6g", for those messages

// Python's format(x, ".{p}g") with the typeset minus (views/text.number): the page's numbers, recomputed
function fmtG(x, p, minus) {
  if (x !== x) return "undefined";
  if (x === Infinity) return "∞";
  if (x === -Infinity) return minus + "∞";
  if (x === 0) return "0";
  var parts = x.toExponential(p - 1).split("e"), exp = Number(parts[1]), text;
  var strip = function (s) { return s.indexOf(".") < 0 ? s : s.replace(/0+$/, "").replace(/\.$/, ""); };
  if (exp < -4 || exp >= p) {
    text = strip(parts[0]) + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
  } else {
    text = strip(x.toFixed(Math.max(0, p - 1 - exp)));
  }
  if (Number(text) === 0) return "0";
  return text.replace(/-/g, minus);
}

(function (S) {
  var data = S.data, $ = S.$, L = { edited: false };
  S.live = L;
  var live = data.live, nodes, ops, N, order, stepOf = {}, digits, original = {};

  function num(x) { return fmtG(x, digits, "−"); }
  function factor(text) { return text.charAt(0) === "−" ? "(" + text + ")" : text; }
  function isConstant(i) { return nodes[i].op === undefined && !nodes[i].edit; }

  // ---- the two passes: values by topological index, then backward()'s loop in its order
  function localGrads(i, val, consts) {
    var nd = nodes[i], op = ops[nd.op], ps = nd.parents, c = consts[i] || nd.constants;
    if (!op.nary && c.length === 0) {  // one or two parents, no constant: nearly every node, called directly
      var u = val[i], open1 = null, d;
      if (ps.length === 1) {
        if (op.gate) open1 = op.gate(val[ps[0]], u);
        d = open1 === false ? [0] : op.grads(val[ps[0]], u);
      } else {
        if (op.gate) open1 = op.gate(val[ps[0]], val[ps[1]], u);
        d = open1 === false ? [0, 0] : op.grads(val[ps[0]], val[ps[1]], u);
      }
      return { local: d, open: open1 };
    }
    var args = ps.map(function (p) { return val[p]; });
    if (op.nary) {
      var n = args.length / op.fields, out = new Array(args.length);
      for (var t = 0; t < n; t++) {
        var term = [];
        for (var f = 0; f < op.fields; f++) term.push(args[f * n + t]);
        var d = op.grads.apply(null, term.concat([val[i]]));
        for (f = 0; f < op.fields; f++) out[f * n + t] = d[f];
      }
      return { local: out, open: null };
    }
    var every = args.concat([val[i]], c), open = op.gate ? op.gate.apply(null, every) : null;
    return { local: open === false ? args.map(function () { return 0; }) : op.grads.apply(null, every), open: open };
  }
  function forward(edits, consts) {
    var val = new Float64Array(N);
    for (var i = 0; i < N; i++) {
      var nd = nodes[i];
      if (nd.op === undefined) { val[i] = edits[i] !== undefined ? edits[i] : nd.value; continue; }
      var op = ops[nd.op], ps = nd.parents, c = consts[i] || nd.constants, v, args;
      try {
        if (!op.nary && c.length === 0) {
          v = ps.length === 1 ? op.forward(val[ps[0]]) : op.forward(val[ps[0]], val[ps[1]]);
        } else if (op.nary) {
          args = ps.map(function (p) { return val[p]; });
          var n = args.length / op.fields;
          v = 0;
          for (var t = 0; t < n; t++) {
            var term = [];
            for (var f = 0; f < op.fields; f++) term.push(args[f * n + t]);
            v += op.forward.apply(null, term);
          }
        } else {
          v = op.forward.apply(null, ps.map(function (p) { return val[p]; }).concat(c));
        }
      } catch (e) {
        if (e instanceof OpRefusal) return { error: { node: i, message: cannot(i, val, e.message, consts) } };
        throw e;
      }
      if (!(v - v === 0)) {
        var why = v === v ? "the result overflows a float (|result| > 1.8e308); scale the input down" : "the result would be nan";
        return { error: { node: i, message: cannot(i, val, why, consts) } };
      }
      val[i] = v;
    }
    return { val: val };
  }
  function cannot(i, val, why, consts) {  // the engine's DomainError, word for word (Op.undefined)
    var nd = nodes[i], c = consts[i] || nd.constants;
    var inputs = nd.parents.map(function (p, k) { return nd.described[k] + " (data=" + g6(val[p]) + ")"; });
    var note = nd.note ? nd.note.replace(/⟨(\d+)⟩/g, function (_, k) { return fmtG(c[Number(k)], 6, "-"); }) : "";
    return "cannot compute " + nd.cannot + " for " + inputs.join(", ") + ": " + note + why;
  }
  function backward(val, consts) {
    var grad = new Float64Array(N), steps = [];
    grad[live.order[0]] = 1;
    for (var t = 0; t < order.length; t++) {
      var i = order[t], nd = nodes[i], g = grad[i], step = { g: g, local: [], c: [], before: [], after: [], open: null };
      if (nd.op !== undefined) {
        var lg = localGrads(i, val, consts), sent = g !== 0;
        step.local = lg.local; step.open = lg.open;
        var running = {};
        nd.parents.forEach(function (p, k) {
          var c = sent && !isConstant(p) ? g * lg.local[k] : 0;
          if (running[p] === undefined) running[p] = grad[p];
          step.before.push(running[p]);
          running[p] += c;
          step.after.push(running[p]);
          step.c.push(c);
        });
        if (sent) nd.parents.forEach(function (p, k) { if (!isConstant(p)) grad[p] += g * lg.local[k]; });
      }
      steps.push(step);
    }
    return { grad: grad, steps: steps };
  }
  L.compute = function (edits, consts) {  // {val, grad, steps} or {error}
    var f = forward(edits, consts);
    if (f.error) return f;
    var b = backward(f.val, consts);
    for (var i = 0; i < N; i++) {
      if (!(b.grad[i] - b.grad[i] === 0)) {
        return { error: { node: i, message: "∂" + data.root_name + "/∂" + data.nodes[i].shown + " is " + num(b.grad[i]) +
          ": a derivative is infinite here (backward() would raise GradientError); no gradient was changed" } };
      }
    }
    return { val: f.val, grad: b.grad, steps: b.steps };
  };

  // ---- what the page shows, rewritten from a computed state
  // The numbers are rewritten where the page is about to show them: the current view's records at once, a step's
  // texts when the panel shows it, another view when it is opened (L.dirty says what is still to do).
  var receivedOf = null;
  function rewrite(state) {
    data.root_data = num(state.val[data.root]);
    L.dirty = { steps: {}, views: {}, summary: true };
    order.forEach(function (i, t) { L.dirty.steps[t] = true; });
    data.views.forEach(function (V, k) { L.dirty.views[k] = true; });
  }
  function ensureStep(t) {
    if (!L.dirty || !L.dirty.steps[t]) return;
    if (!receivedOf) {
      receivedOf = [];
      for (var i = 0; i < N; i++) receivedOf.push([]);
      order.forEach(function (i, t2) {
        (nodes[i].parents || []).forEach(function (p, k) { if (!isConstant(p)) receivedOf[p].push([t2, k]); });
      });
    }
    rewriteStep(data.steps[t], order[t], t, L.state.steps, receivedOf, L.state.val);
    delete L.dirty.steps[t];
  }
  function ensureView(k) {
    if (!L.dirty || !L.dirty.views[k]) return;
    rewriteView(data.views[k], live.views[k], L.state.steps, L.state.grad);
    delete L.dirty.views[k];
  }
  function ensureSummary() {
    if (!L.dirty || !L.dirty.summary) return;
    L.dirty.summary = false;
    var grad = L.state.grad, steps = L.state.steps;
    data.summary.forEach(function (row) {
      row.text = live.partials[row.node] + " = " + num(grad[row.node]);
      var branches = live.summary[row.node] || [];
      if (row.branches !== undefined && branches.length > 1) {
        var text = "";
        branches.forEach(function (b, n) {
          var c = 0;
          b[1].forEach(function (tk) { c += steps[tk[0]].c[tk[1]]; });
          var term = num(c) + " (via " + b[0] + ")";
          text += n === 0 ? term : (term.charAt(0) === "−" ? " − " + term.slice(1) : " + " + term);
        });
        row.branches = text + " = " + num(grad[row.node]);
      }
    });
  }
  L.ensureAll = function () {  // every number of the page, now (tests read the data directly)
    order.forEach(function (i, t) { ensureStep(t); });
    data.views.forEach(function (V, k) { ensureView(k); });
    ensureSummary();
  };
  function rewriteStep(s, i, t, steps, received, val) {
    var st = steps[t], nd = nodes[i];
    s.grad = num(st.g); s.grad_exact = st.g; s.zero = st.g === 0;
    s.edges.forEach(function (e, k) {
      if (e.constant) return;
      var p = nd.parents[k], closed = st.open === false, sym = closed ? "0" : nd.factors[k];
      var head = nd.head.replace(/⟨(\d+)⟩/g, function (_, j) { return num(currentConstant(i, Number(j))); });
      e.text = live.partials[p] + " += " + live.partials[i] + " · " + sym + " = " + num(st.g) + " · " +
        factor(num(st.local[k])) + " = " + num(st.c[k]);
      var said = closed ? "0" : nd.syms[k], value = num(st.local[k]);  // as text.derivative_sentence: no "= −1 = −1"
      e.why = head + ": " + nd.locals[k] + " = " + said + (value === said ? "" : " = " + value);
      e.acc = st.before[k] === 0 ? live.partials[p] + ": " + num(st.after[k])
        : live.partials[p] + ": " + num(st.before[k]) + " + " + factor(num(st.c[k])) + " = " + num(st.after[k]);
      e.after_exact = st.after[k]; e.zero = st.c[k] === 0;
    });
    s.received = received[i].map(function (tk) { return { step: tk[0], from: order[tk[0]], text: num(steps[tk[0]].c[tk[1]]) }; });
    if (nd.gate) s.gate = gateText(nd.gate, st.open, val);
    if (s.quiz) {
      s.quiz.tol = tolerance(st.g, s.grad);
      var hint = received[i].map(function (tk) {
        var u = order[tk[0]], user = steps[tk[0]], closed = user.open === false;
        return live.partials[u] + " · " + (closed ? "0" : nodes[u].factors[tk[1]]) + " = " + num(user.g) + " · " + factor(num(user.local[tk[1]]));
      });
      if (hint.length > 1) hint.push(live.partials[i] + " is the sum of these " + hint.length + " contributions");
      s.quiz.hint = hint;
    }
  }
  function gateText(words, open, val) {
    var here = words.where.map(function (w) { return w[0] + " = " + num(val[w[1]]); }).join(", ");
    if (open) return words.condition + " holds here (" + here + "): the gradient flows, " + words.partials.join(", ");
    return words.condition + " fails here (" + here + "): " + words.closed + ", so " + words.flat +
      (words.partials.length > 1 ? " are" : " is") + " 0 — nothing flows back";
  }
  function tolerance(x, shown) {  // page_data.tolerance: half a unit in the last digit shown
    var parts = shown.replace(/−/g, "-").toLowerCase().split("e"), mantissa = parts[0], exponent = parts[1];
    var decimals = (mantissa.split(".")[1] || "").length;
    if (!isFinite(x) || (!/[1-9]/.test(mantissa) && exponent === undefined)) return decimals ? 0.5 * Math.pow(10, -decimals) : 5e-5;
    return 0.5 * Math.pow(10, -decimals + Number(exponent || 0)) * (1 + 1e-9);
  }
  function rewriteView(V, lv, steps, grad) {  // the fold's records of one view, with the new numbers (page_views.ViewSteps)
    var running = new Float64Array(N), received = new Int32Array(N), norms = {}, prefix = lv.prefix, slotOf = lv.slotOf;
    Object.keys(lv.groups).forEach(function (gid) { norms[gid] = 0; });
    var records = V.steps;
    for (var r = 0; r < records.length; r++) {
      var rec = records[r], ts = rec.t !== undefined ? [rec.t] : rec.covers, changed = [], groups = {}, folded = {};
      for (var a = 0; a < ts.length; a++) {
        var t = ts[a], i = order[t], st = steps[t], ps = nodes[i].parents || [];
        if (t === 0) { running[i] = st.g; changed.push(i); }
        for (var k = 0; k < ps.length; k++) {
          var p = ps[k];
          if (isConstant(p)) continue;
          var before = running[p];
          running[p] = before + st.c[k];
          received[p] += 1;
          var slot = slotOf[p];
          if (slot !== undefined && norms[slot] !== undefined) norms[slot] += running[p] * running[p] - before * before;
          if (changed.indexOf(p) < 0) changed.push(p);
          if (rec.t === undefined) {
            var key = lv.unitOf[p] + "-" + rec.u;
            if (lv.unitOf[p] !== rec.u) folded[key] = (folded[key] === undefined || folded[key]) && st.c[k] === 0;
          }
        }
      }
      var badges = [];
      for (var c = 0; c < changed.length; c++) {
        var q = changed[c], where = slotOf[q];
        if (where === undefined) continue;
        if (norms[where] !== undefined) { groups[where] = true; continue; }
        var final = received[q] === data.nodes[q].uses || q === data.root, exact = final ? grad[q] : running[q];
        badges.push([where, "grad " + num(exact) + (final ? "" : " …"), exact, final ? "final" : "partial"]);
      }
      Object.keys(groups).sort().forEach(function (gid) {
        var members = lv.groups[gid], final = members.every(function (i) { return received[i] === data.nodes[i].uses; });
        var norm = final ? Math.sqrt(members.reduce(function (sum, i) { return sum + grad[i] * grad[i]; }, 0)) : Math.sqrt(Math.max(norms[gid], 0));
        badges.push([gid, (prefix[gid] || gid) + " = " + num(norm) + (final ? "" : " …"), norm, final ? "final" : "partial"]);
      });
      rec.badges = badges;
      if (rec.t !== undefined) {  // [e{i}_0 … e{i}_{n−1}, e{i}_out]: each edge sent 0?, and the node's way out
        var sent = steps[rec.t].c, all = 1;
        for (var e = 0; e < rec.edges.length; e++) {
          var id = rec.edges[e][0];
          if (id.slice(-4) === "_out") rec.edges[e][1] = all;
          else { var zero = sent[Number(id.slice(id.lastIndexOf("_") + 1))] === 0 ? 1 : 0; rec.edges[e][1] = zero; all = all && zero; }
        }
        rec.zero = steps[rec.t].g === 0;
      } else {
        for (var f = 0; f < rec.edges.length; f++) if (folded[rec.edges[f][0]] !== undefined) rec.edges[f][1] = folded[rec.edges[f][0]] ? 1 : 0;
      }
    }
  }
  function currentConstant(i, j) { return (L.consts[i] || nodes[i].constants)[j]; }

  // ---- the drawing: every node's "data …" text
  var dataTexts = null;  // [text element, node] of the drawing shown: found once per drawing
  function paintSvg() {
    if (!L.state) return;
    if (!dataTexts) {
      dataTexts = [];
      var texts = S.svg.querySelectorAll("g.node text.data");
      for (var n = 0; n < texts.length; n++) {
        var m = /^v(\d+)$/.exec(texts[n].closest("g.node").id);
        if (m && texts[n].textContent.indexOf("data ") === 0) dataTexts.push([texts[n], Number(m[1]), nodes[Number(m[1])].value]);
      }
    }
    order.forEach(function (i, t) {  // a gate drawn as the page was made, shown as it is now
      var words = nodes[i].gate, group = S.byId["v" + i + "op"];
      if (!words || !group) return;
      var state = L.state.steps[t].open ? "open" : "closed";
      if (group.getAttribute("data-live-gate") === state) return;
      group.setAttribute("data-live-gate", state);
      var texts = group.querySelectorAll("text");
      for (var n = 0; n < texts.length; n++) if (texts[n].textContent === words.closed) texts[n].setAttribute("class", "live-gate-label");
      nodes[i].parents.forEach(function (p, k) { var e = S.byId["e" + i + "_" + k]; if (e) e.setAttribute("data-live-gate", state); });
    });
    dataTexts.forEach(function (entry) {  // [text, node, the value it shows]: only the values that changed are written
      var value = L.state.val[entry[1]];
      if (value !== entry[2]) { entry[0].textContent = "data " + num(value); entry[2] = value; }
    });
  }

  // ---- applying an edit: all or nothing
  L.apply = function (edits, consts) {
    var t0 = performance.now(), state = L.compute(edits, consts), t1 = performance.now();
    if (state.error) { showError(state.error); return false; }
    if (!original.steps) snapshot();  // the numbers as made, for Reset: kept at the first edit, not at load
    L.edits = edits; L.consts = consts; L.state = state;
    L.edited = Object.keys(edits).length > 0 || Object.keys(consts).length > 0;
    clearError();
    rewrite(state);
    ensureView(S.view);
    var t2 = performance.now();
    paintSvg();
    var t3 = performance.now();
    S.go(S.pos, true);
    L.timings = { compute: t1 - t0, rewrite: t2 - t1, paint: t3 - t2, draw: performance.now() - t3 };  // benchmarks/live_page.py
    showNudge();
    writeHash();
    return true;
  };
  L.set = function (name, value) {  // by the name shown in the live box (a leaf's name, or Δ); false if refused
    var edits = Object.assign({}, L.edits), consts = {};
    Object.keys(L.consts).forEach(function (i) { consts[i] = L.consts[i].slice(); });
    if (typeof value !== "number" || !(value - value === 0)) {
      showError({ node: null, message: name + ": " + JSON.stringify(String(value)) + " is not a number; type a number such as 0.5 or -2e-3" });
      return false;
    }
    var target = L.targets[name];
    if (!target) { showError({ node: null, message: "no leaf named " + name + " on this page" }); return false; }
    if (target.knob) {
      var k = target.knob;
      consts[k.node] = (consts[k.node] || nodes[k.node].constants).slice();
      consts[k.node][k.constant] = value;
    } else {
      edits[target.node] = value;
    }
    return L.apply(edits, consts);
  };
  L.reset = function () {
    if (original.steps) restoreOriginal();
    L.edits = {}; L.consts = {}; L.edited = false; L.dirty = null; L.state = L.compute({}, {});
    clearError(); paintSvg(); S.go(S.pos, true); showNudge(); writeHash(); syncFields();
  };
  L.value = function (name) {
    var target = L.targets[name];
    if (target.knob) return currentConstant(target.knob.node, target.knob.constant);
    return L.edits[target.node] !== undefined ? L.edits[target.node] : nodes[target.node].value;
  };

  // ---- the nudge: J(w + h) − J(w) beside ∂J/∂w · h
  L.nudge = function (name, h) {
    var target = L.targets[name], edits = Object.assign({}, L.edits), consts = {};
    Object.keys(L.consts).forEach(function (i) { consts[i] = L.consts[i].slice(); });
    var w = L.value(name);
    if (target.knob) { consts[target.knob.node] = (consts[target.knob.node] || nodes[target.knob.node].constants).slice(); consts[target.knob.node][target.knob.constant] = w + h; }
    else edits[target.node] = w + h;
    var moved = L.compute(edits, consts);
    if (moved.error) return { error: moved.error.message };
    var slope = target.knob ? null : L.state.grad[target.node];
    var change = moved.val[data.root] - L.state.val[data.root], predicted = slope === null ? null : slope * h;
    var flipped = [];
    order.forEach(function (i, t) {
      var a = L.state.steps[t].open, b = moved.steps[t].open;
      if (a !== null && a !== b) flipped.push(data.nodes[i].name);
    });
    return { change: change, predicted: predicted, ratio: predicted ? change / predicted : null, flipped: flipped };
  };

  // ---- the live box in the panel
  function el(tag, cls, text) { return S.el(tag, cls, text); }
  var box, select, field, slider, nudgeH, nudgeOut, errorLine;
  var STYLE = [  // the gate as it is now (the drawing shows it as the page was made), and a refused node
    "#graph g[data-live-gate=open] ellipse { fill: #f4f1fa; stroke: #8e7cc3; stroke-dasharray: none; }",
    "#graph g[data-live-gate=open] text.live-gate-label { display: none; }",
    "#graph g[data-live-gate=closed] ellipse { fill: " + live.closedFill + "; stroke: #777777; stroke-dasharray: 5,2; }",
    "#graph g.edge[data-live-gate=open] path { stroke-dasharray: none; }",
    "#graph g.edge[data-live-gate=closed] path { stroke-dasharray: 5,2; }",
    "#graph g[data-live-refused] ellipse, #graph g[data-live-refused] polygon, #graph g[data-live-refused] path { stroke: #c00000; stroke-width: 3px; }",
    "#live { border-bottom: 1px solid #ccc; margin-bottom: 0.6em; } #live h2 { font-size: 1em; }",
    ".live-row { display: flex; flex-wrap: wrap; gap: 0.4em; align-items: center; margin: 0.3em 0; }",
    "#live-value, #live-h { width: 7em; } .live-error { color: #a00000; } .live-nudge { font-size: 0.9em; }"
  ].join("\n");
  function build() {
    var style = el("style", "", STYLE);
    document.head.appendChild(style);
    box = el("section", "live"); box.id = "live";
    box.setAttribute("aria-label", "live: change a value");
    var h = el("h2", "", "Live: change a value, watch both passes recompute");
    box.appendChild(h);
    var row = el("div", "live-row");
    select = el("select"); select.id = "live-leaf"; select.setAttribute("aria-label", "value to change");
    Object.keys(L.targets).forEach(function (name) { var o = el("option", "", name); o.value = name; select.appendChild(o); });
    field = el("input"); field.id = "live-value"; field.type = "text"; field.setAttribute("inputmode", "decimal");
    field.setAttribute("aria-label", "new value"); field.setAttribute("spellcheck", "false");
    slider = el("input"); slider.id = "live-slider"; slider.type = "range"; slider.setAttribute("aria-label", "value slider");
    var reset = el("button", "", "Reset values"); reset.type = "button"; reset.id = "live-reset";
    row.appendChild(select); row.appendChild(field); row.appendChild(slider); row.appendChild(reset);
    box.appendChild(row);
    var nudgeRow = el("div", "live-row");
    nudgeRow.appendChild(el("span", "", "nudge by h ="));
    nudgeH = el("input"); nudgeH.id = "live-h"; nudgeH.type = "text"; nudgeH.value = "0.001"; nudgeH.setAttribute("aria-label", "nudge step h");
    nudgeRow.appendChild(nudgeH);
    box.appendChild(nudgeRow);
    nudgeOut = el("p", "live-nudge"); nudgeOut.id = "live-nudge"; box.appendChild(nudgeOut);
    errorLine = el("p", "live-error"); errorLine.id = "live-error"; errorLine.setAttribute("role", "alert"); errorLine.hidden = true;
    box.appendChild(errorLine);
    var panel = $("panel");
    panel.insertBefore(box, panel.firstChild);
    select.addEventListener("change", syncFields);
    field.addEventListener("change", function () { L.set(select.value, parse(field.value)); });
    slider.addEventListener("input", function () { if (L.set(select.value, Number(slider.value))) field.value = slider.value; });
    reset.addEventListener("click", L.reset);
    nudgeH.addEventListener("change", showNudge);
    S.graph.addEventListener("pointerdown", dragStart);
    syncFields();
  }
  function parse(text) {
    var t = String(text).trim().replace(/−/g, "-");
    return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t) ? Number(t) : t;
  }
  function range(name) {
    var v = L.originalValue(name), r = Math.max(1, 2 * Math.abs(v));
    return L.targets[name].knob ? [0, Math.max(2, 2 * v)] : [v - r, v + r];
  }
  function syncFields() {
    if (!select) return;
    var name = select.value, v = L.value(name), r = range(name);
    field.value = String(v);
    slider.min = String(Math.min(r[0], v)); slider.max = String(Math.max(r[1], v));
    slider.step = String((r[1] - r[0]) / 400); slider.value = String(v);
    showNudge();
  }
  var nudgeTimer = null;
  function showNudge() {  // one more forward pass: after the frame the edit is painted in
    if (nudgeTimer === null) nudgeTimer = setTimeout(function () { nudgeTimer = null; showNudgeNow(); }, 50);
  }
  function showNudgeNow() {
    if (!nudgeOut || !select) return;
    var name = select.value, h = parse(nudgeH.value);
    if (typeof h !== "number" || h === 0) { nudgeOut.textContent = "h must be a nonzero number"; return; }
    var r = L.nudge(name, h), J = data.root_name;
    if (r.error) { nudgeOut.textContent = "at " + name + " + h: " + r.error; return; }
    var text = J + "(" + name + " + h) − " + J + "(" + name + ") = " + num(r.change);
    if (r.predicted !== null) {
      text += ";  ∂" + J + "/∂" + name + " · h = " + num(r.predicted) + (r.ratio !== null ? ";  ratio " + fmtG(r.ratio, 6, "−") : "");
    }
    if (r.flipped.length) {
      text += ".  They differ because " + r.flipped.join(", ") + " switches between " + name + " and " + name + " + h: " +
        "a gate (relu at 0, the hinge at its margin) is a kink, where the slope on one side says nothing about the other.";
    } else if (r.predicted !== null) {
      text += ".  Away from a kink the ratio → 1 as h shrinks: that is what the gradient means.";
    }
    nudgeOut.textContent = text;
  }
  function showError(error) {
    errorLine.hidden = false;
    errorLine.textContent = (error.node !== null ? data.nodes[error.node].name + ": " : "") + error.message +
      " — the page keeps the last values that worked.";
    if (error.node !== null) {
      var unit = S.byId["v" + error.node];
      if (unit) unit.setAttribute("data-live-refused", "1");
    }
  }
  function clearError() {
    if (errorLine) { errorLine.hidden = true; errorLine.textContent = ""; }
    var refused = S.svg ? S.svg.querySelectorAll("[data-live-refused]") : [];
    for (var n = 0; n < refused.length; n++) refused[n].removeAttribute("data-live-refused");
  }

  // drag-to-nudge: press on a leaf node and move sideways
  function dragStart(ev) {
    var target = ev.target.closest ? ev.target.closest("g.node") : null, m = target && /^v(\d+)$/.exec(target.id);
    if (!m || !nodes[Number(m[1])].edit) return;
    var name = nameOf[Number(m[1])], start = L.value(name), x0 = ev.clientX, r = range(name), moved = false;
    select.value = name; syncFields();
    function move(e) {
      var dx = e.clientX - x0;
      if (Math.abs(dx) < 3 && !moved) return;
      moved = true;
      var v = start + dx * (r[1] - r[0]) / 400;
      if (L.set(name, v)) { field.value = String(v); slider.value = String(v); }
    }
    function up() { window.removeEventListener("pointermove", move); window.removeEventListener("pointerup", up); }
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", up);
  }

  // ---- the URL: #step=12&present&delta=0.2&W[0,3]=0.5 reopens the same view
  function encode(s) { return s.replace(/[%&=#\s]/g, encodeURIComponent); }
  var hashTimer = null;
  function writeHash() {  // at most every 200 ms: a drag changes values many times a second
    if (!L.ready || hashTimer !== null) return;
    hashTimer = setTimeout(function () { hashTimer = null; writeHashNow(); }, 200);
  }
  L.flush = function () {
    if (hashTimer !== null) { clearTimeout(hashTimer); hashTimer = null; writeHashNow(); }
    if (nudgeTimer !== null) { clearTimeout(nudgeTimer); nudgeTimer = null; showNudgeNow(); }
  };
  function writeHashNow() {
    var parts = ["step=" + S.pos];
    if (document.body.classList.contains("presenter")) parts.push("present");
    Object.keys(L.targets).forEach(function (name) {
      var t = L.targets[name], v = L.value(name);
      if (v !== L.originalValue(name)) parts.push(encode(t.knob && name === "Δ" ? "delta" : name) + "=" + String(v));
    });
    try { history.replaceState(null, "", "#" + parts.join("&")); } catch (e) { /* a sandboxed frame: no URL state */ }
  }
  function readHash() {
    var hash = location.hash.replace(/^#/, ""), step = null, present = false, edits = [];
    if (!hash) return;
    hash.split("&").forEach(function (part) {
      var at = part.indexOf("="), key = decodeURIComponent(at < 0 ? part : part.slice(0, at)), value = at < 0 ? null : decodeURIComponent(part.slice(at + 1));
      if (key === "step") step = Number(value);
      else if (key === "present") present = true;
      else edits.push([key === "delta" ? "Δ" : key, parse(value)]);
    });
    edits.forEach(function (e) { if (L.targets[e[0]]) L.set(e[0], e[1]); });
    if (present && !document.body.classList.contains("presenter")) $("presenter").click();
    if (step !== null && step === step) S.go(step, true);
    syncFields();
  }

  // ---- Reset: the numbers the page was made with
  function snapshot() {
    original.steps = JSON.stringify(data.steps); original.views = JSON.stringify(data.views.map(function (V) { return V.steps; }));
    original.summary = JSON.stringify(data.summary);
    original.root = data.root_data;
  }
  function restoreOriginal() {
    var steps = JSON.parse(original.steps), views = JSON.parse(original.views), summary = JSON.parse(original.summary);
    data.steps.forEach(function (s, t) { Object.assign(s, steps[t]); });
    data.views.forEach(function (V, k) { V.steps.forEach(function (rec, t) { Object.assign(rec, views[k][t]); }); });
    data.summary.forEach(function (row, n) { Object.assign(row, summary[n]); });
    data.root_data = original.root;
  }

  var nameOf = {};
  L.start = function (generated) {
    if (!live) return;
    if (live.off) {  // where live cannot serve: one line, and the page stays a correct snapshot
      var off = el("p", "live-off", live.off); off.id = "live-off";
      $("panel").insertBefore(off, $("panel").firstChild);
      return;
    }
    ops = L.ops = generated; nodes = live.nodes; N = nodes.length; order = live.order; digits = live.digits;
    order.forEach(function (i, t) { stepOf[i] = t; });
    L.targets = {}; L.edits = {}; L.consts = {};
    nodes.forEach(function (nd, i) { if (nd.edit) { L.targets[data.nodes[i].name] = { node: i }; nameOf[i] = data.nodes[i].name; } });
    live.knobs.forEach(function (k) { L.targets[k.name] = { knob: k }; });
    L.originalValue = function (name) {
      var t = L.targets[name];
      return t.knob ? nodes[t.knob.node].constants[t.knob.constant] : nodes[t.node].value;
    };
    var made = null;  // the state as made: computed when first asked for, so that loading costs nothing more
    Object.defineProperty(L, "state", {
      get: function () { if (!made) made = L.compute({}, {}); return made; },
      set: function (state) { made = state; }, configurable: true
    });
    var show = S.showView;
    S.showView = function (k) { show(k); dataTexts = null; ensureView(k); if (L.edited) paintSvg(); };
    var go = S.go;
    S.go = function (p, force) { go(p, force); writeHash(); };
    var ask = S.ask;
    S.ask = function (b) { var st = S.V().steps[b]; if (st && st.t !== undefined) ensureStep(st.t); return ask(b); };
    var render = S.render;
    S.render = function () { ensureView(S.view); return render(); };
    var panel = S.panel;
    S.panel = function () {
      var V = S.V(), done = S.done();
      if (done > 0 && V.steps[done - 1].t !== undefined) ensureStep(V.steps[done - 1].t);
      if (S.asking !== null && V.steps[S.asking].t !== undefined) ensureStep(V.steps[S.asking].t);
      if (done === S.N()) ensureSummary();
      panel();
      var step = done > 0 ? V.steps[done - 1] : null;
      if (L.edited && step && step.t === undefined && step.covers) {
        $("step-lines").appendChild(el("li", "note", "The numbers inside this box are as the page was made; open it to see them recomputed."));
      }
    };
    build();
    readHash();
    L.ready = true;
    window.tinygradLive = L;
  };
})(tgmm);
