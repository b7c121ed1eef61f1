// Step-through viewer, part 5: the live page (its box in the panel: part 6, viewer-live-box.js). Edit a leaf (or Δ)
// and both passes are recomputed here, as backward() does them, with each op's JavaScript printed from the op class's own statement (appended below by views/live.py:
// tgmm.live.start([...])); then every number the page shows is rewritten and the page is drawn again.
// A refused input (not a number, log of a negative, division by zero) shows the engine's message and keeps the last good state.
function OpRefusal(message) { this.message = message; }   // thrown by the generated op code: the engine's own words
function g6(x) { return fmtG(x, 6, "-"); }                  // Python's "%.6g", for those messages

(function (S) {
  var data = S.data, $ = S.$, L = { edited: false };
  S.live = L;
  var live = data.live, nodes, ops, N, order, stepOf = {}, digits, original = {};

  function num(x) { return fmtG(x, digits, "−"); }
  L.num = num;
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
  var receivedOf = null, gradPlaces = {};  // node → what it received, [step, slot]; node → decimal places of its gradient
  function received() {
    if (!receivedOf) {
      receivedOf = [];
      for (var i = 0; i < N; i++) receivedOf.push([]);
      order.forEach(function (i, t) {
        (nodes[i].parents || []).forEach(function (p, k) { if (!isConstant(p)) receivedOf[p].push([t, k]); });
      });
    }
    return receivedOf;
  }
  // page_data.StepText.grad_format: node i's gradient (or a part of it) with enough digits to read as the sum of what
  // its uses sent (viewer-live-digits.js); sumFormat: the same for any terms and their total
  L.gradText = function (i, x) {
    if (!(i in gradPlaces)) {
      var steps = L.state.steps;
      gradPlaces[i] = sumPlaces(received()[i].map(function (tk) { return steps[tk[0]].c[tk[1]]; }), L.state.grad[i], digits);
    }
    return placesText(x, gradPlaces[i], digits);
  };
  function sumFormat(terms, total) {
    var places = sumPlaces(terms, total, digits);
    return function (x) { return placesText(x, places, digits); };
  }
  function rewrite(state) {
    data.root_data = num(state.val[data.root]);
    L.dirty = { steps: {}, views: {}, summary: true };
    order.forEach(function (i, t) { L.dirty.steps[t] = true; });
    data.views.forEach(function (V, k) { L.dirty.views[k] = true; });
  }
  function ensureStep(t) {
    if (!L.dirty || !L.dirty.steps[t]) return;
    rewriteStep(data.steps[t], order[t], t, L.state.steps, received(), L.state.val);
    delete L.dirty.steps[t];
  }
  function ensureView(k) {
    if (!L.dirty || !L.dirty.views[k]) return;
    L.rewriteView(k, L.state.steps, L.state.grad);
    delete L.dirty.views[k];
  }
  function ensureSummary() {
    if (!L.dirty || !L.dirty.summary) return;
    L.dirty.summary = false;
    var grad = L.state.grad, steps = L.state.steps;
    data.summary.forEach(function (row) {  // page_data.StepText.summary
      var i = row.node, branches = live.summary[i] || [], sums = branches.map(function (b) {
        var c = 0;
        b[1].forEach(function (tk) { c += steps[tk[0]].c[tk[1]]; });
        return c;
      });
      var show = sums.length > 1 ? sumFormat(sums, grad[i]) : function (x) { return L.gradText(i, x); };
      row.text = live.partials[i] + " = " + show(grad[i]);
      if (row.branches !== undefined && branches.length > 1) {
        var text = "";
        branches.forEach(function (b, n) {
          var term = show(sums[n]) + " (via " + b[0] + ")";
          text += n === 0 ? term : (term.charAt(0) === "−" ? " − " + term.slice(1) : " + " + term);
        });
        row.branches = text + " = " + show(grad[i]);
      }
    });
  }
  L.ensureAll = function () {  // every number of the page, now (tests read the data directly)
    order.forEach(function (i, t) { ensureStep(t); });
    data.views.forEach(function (V, k) { ensureView(k); });
    ensureSummary();
    L.texts.ensureAll();
  };
  function rewriteStep(s, i, t, steps, received, val) {
    var st = steps[t], nd = nodes[i], show = function (x) { return L.gradText(i, x); };
    s.grad = show(st.g); s.grad_exact = st.g; s.zero = st.g === 0;
    var head = nd.op === undefined ? "" : headOf(i, data.nodes[i].name);
    s.edges.forEach(function (e, k) {
      if (e.constant) return;
      var p = nd.parents[k], closed = st.open === false, sym = closed ? "0" : nd.factors[k];
      e.text = live.partials[p] + " += " + live.partials[i] + " · " + sym + " = " + show(st.g) + " · " +
        factor(num(st.local[k])) + " = " + num(st.c[k]);
      var said = closed ? "0" : nd.syms[k], numeric = closed ? "0" : L.texts.formula(nd.numbers[k], i), value = num(st.local[k]);
      var chain = [said].concat(numeric === said ? [] : [numeric], value === numeric ? [] : [value]);  // text.derivative_sentence
      e.why = head + ": " + nd.locals[k] + " = " + chain.join(" = ");
      var sum = sumFormat([st.before[k], st.c[k]], st.after[k]);
      e.acc = st.before[k] === 0 ? live.partials[p] + ": " + sum(st.after[k])
        : live.partials[p] + ": " + sum(st.before[k]) + " + " + factor(sum(st.c[k])) + " = " + sum(st.after[k]);
      e.after_exact = st.after[k]; e.zero = st.c[k] === 0;
    });
    s.received = received[i].map(function (tk) { return { step: tk[0], from: order[tk[0]], text: show(steps[tk[0]].c[tk[1]]) }; });
    if (nd.gate && nd.gate.open) s.gate = gateText(i, st.open, val);
    ((data.questions || {})[t] || []).forEach(function (q) { rewriteQuestion(q, steps, val); });
    if (s.quiz) {
      s.quiz.tol = tolerance(st.g, s.grad);
      var hint = received[i].map(function (tk) {
        var u = order[tk[0]], user = steps[tk[0]], closed = user.open === false;
        return live.partials[u] + " · " + (closed ? "0" : nodes[u].factors[tk[1]]) + " = " + L.gradText(u, user.g) + " · " + factor(num(user.local[tk[1]]));
      });
      if (hint.length > 1) hint.push(live.partials[i] + " is the sum of these " + hint.length + " contributions");
      s.quiz.hint = hint;
    }
  }
  function headOf(i, name) {  // "J = max(0, Δ + s_c − s)" with the numbers of now; an unlabelled node is its formula
    var formula = L.texts.formula(nodes[i].forward[0], i);
    return data.nodes[i].name === formula ? name : name + " = " + formula;
  }
  function rewriteQuestion(q, steps, val) {  // views/quiz.py's questions at a gate and at a shared leaf, new answers
    var m = /^(gate|local|branch)(\d+)(?:_(\d+))?$/.exec(q.id);
    if (!m) return;
    var i = Number(m[2]), st = steps[stepOf[i]];
    if (q.head !== undefined) {  // "At J = max(0, 1 + s_c − s): …" with the Δ of now
      var head = headOf(i, data.nodes[i].shown);
      q.question = "At " + head + q.question.slice(3 + q.head.length);
      q.head = head;
    }
    if (m[1] === "gate") {
      q.answer = st.open !== false;
      q.explain = nodes[i].gate.open ? gateText(i, st.open, val) : "";
    } else if (m[1] === "local") {
      var k = Number(m[3]), closed = st.open === false, said = closed ? "0" : nodes[i].syms[k], shown = num(st.local[k]);
      var d = (/the local derivative (.*) here\?$/.exec(q.question) || [null, nodes[i].locals[k]])[1];
      q.answer = st.local[k]; q.shown = shown; q.tol = tolerance(st.local[k], shown);
      var why = nodes[i].gate.open ? gateText(i, st.open, val) : "";
      q.hint = [said !== shown ? d + " = " + said : "look at the gate: " + why];
      q.explain = d + " = " + said + (said.replace(/^\+/, "") === shown ? "" : " = " + shown) + (why ? ", because " + why.split(": ")[0] : "");
    } else {
      var branches = live.summary[i] || [], sums = branches.map(function (b) {
        return b[1].reduce(function (sum, tk) { return sum + steps[tk[0]].c[tk[1]]; }, 0);
      });
      if (!branches.length) return;
      q.answer = sums[0]; q.shown = num(sums[0]); q.tol = tolerance(sums[0], q.shown);
      q.explain = live.partials[i] + " = " + branches.map(function (b, n) { return num(sums[n]) + " (via " + b[0] + ")"; }).join(" + ") +
        " = " + num(L.state.grad[i]);
    }
  }
  function gateText(i, open, val) {  // views/gate_words.py: the op's own words for its gate, with the numbers of now
    var nd = nodes[i], args = nd.parents.map(function (p) { return val[p]; }).concat([val[i]], L.consts[i] || nd.constants);
    return nd.gate[open === false ? "closed" : "open"].map(function (piece) {
      if (piece[0] === "t") return piece[1];
      if (piece[0] === "f") return L.texts.formula(piece[1], i);  // an operand's arithmetic, in numbers
      var x = L.gateNumbers[piece[1]].apply(null, args), text = num(x);  // {=expr}: the expression's JavaScript
      return piece[2] && x < 0 ? "(" + text + ")" : text;
    }).join("");
  }
  function tolerance(x, shown) {  // page_data.tolerance: half a unit in the last digit shown
    var parts = shown.replace(/−/g, "-").toLowerCase().split("e"), mantissa = parts[0], exponent = parts[1];
    var decimals = (mantissa.split(".")[1] || "").length;
    if (!isFinite(x) || (!/[1-9]/.test(mantissa) && exponent === undefined)) return decimals ? 0.5 * Math.pow(10, -decimals) : 5e-5;
    return 0.5 * Math.pow(10, -decimals + Number(exponent || 0)) * (1 + 1e-9);
  }
  function currentConstant(i, j) { return (L.consts[i] || nodes[i].constants)[j]; }

  // ---- the drawing: every node's "data …" text
  var dataTexts = null;  // [text element, node] of the drawing shown: found once per drawing
  function findDataTexts() {
    if (dataTexts || !S.svg) return;
    dataTexts = [];
    var texts = S.svg.querySelectorAll("g.node text.data");
    for (var n = 0; n < texts.length; n++) {
      var m = /^v(\d+)$/.exec(texts[n].closest("g.node").id);
      if (m && texts[n].textContent.indexOf("data ") === 0) dataTexts.push([texts[n], Number(m[1]), nodes[Number(m[1])].value]);
    }
  }
  function paintSvg() {
    if (!L.state) return;
    findDataTexts();
    order.forEach(function (i, t) {  // a gate drawn as the page was made, shown as it is now
      var words = nodes[i].gate, group = S.byId["v" + i + "op"];
      if (!words || !group) return;
      var state = L.state.steps[t].open ? "open" : "closed";
      if (group.getAttribute("data-live-gate") === state) return;
      group.setAttribute("data-live-gate", state);
      var texts = group.querySelectorAll("text");
      for (var n = 0; n < texts.length; n++) if (texts[n].textContent === words.label) texts[n].setAttribute("class", "live-gate-label");
      nodes[i].parents.forEach(function (p, k) { var e = S.byId["e" + i + "_" + k]; if (e) e.setAttribute("data-live-gate", state); });
    });
    dataTexts.forEach(function (entry) {  // [text, node, the value it shows]: only the values that changed are written
      var value = L.state.val[entry[1]];
      if (value !== entry[2]) { entry[0].textContent = "data " + num(value); entry[2] = value; }
    });
    L.texts.paint();  // the other labels: a box's values, a group's range, the tooltips, what a screen reader says
  }

  // ---- applying an edit: all or nothing
  L.apply = function (edits, consts) {
    var t0 = performance.now(), state = L.compute(edits, consts), t1 = performance.now();
    if (state.error) { L.showError(state.error); return false; }
    if (!original.steps) snapshot();  // the numbers as made, for Reset: kept at the first edit, not at load
    L.edits = edits; L.consts = consts; L.state = state;
    L.edited = Object.keys(edits).length > 0 || Object.keys(consts).length > 0;
    L.clearError();
    rewrite(state);
    L.texts.changed();
    ensureView(S.view);
    var t2 = performance.now();
    paintSvg();
    var t3 = performance.now();
    S.go(S.pos, true, true);
    L.timings = { compute: t1 - t0, rewrite: t2 - t1, paint: t3 - t2, draw: performance.now() - t3 };  // benchmarks/live_page.py
    L.showNudge();
    L.writeHash();
    return true;
  };
  L.set = function (name, value) {  // by the name shown in the live box (a leaf's name, or Δ); false if refused
    var edits = Object.assign({}, L.edits), consts = {};
    Object.keys(L.consts).forEach(function (i) { consts[i] = L.consts[i].slice(); });
    if (typeof value !== "number" || !(value - value === 0)) {
      L.showError({ node: null, message: name + ": " + JSON.stringify(String(value)) + " is not a number; type a number such as 0.5 or -2e-3" });
      return false;
    }
    var target = L.targets[name];
    if (!target) { L.showError({ node: null, message: "no leaf named " + name + " on this page" }); return false; }
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
    L.forgetViews();  // the records are as made again: the next edit recomputes them all
    L.edits = {}; L.consts = {}; L.edited = false; L.dirty = null; L.state = L.compute({}, {});
    L.texts.reset(); L.clearError(); paintSvg(); S.go(S.pos, true, true); L.showNudge(); L.writeHash(); L.syncFields();
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

  // ---- the first edit's one-time work, done while the page is idle after loading: the numbers as made (for Reset),
  // the pass as made, the current view's step records from it (they equal the page's own, so nothing on the page
  // changes), and the drawing's texts to rewrite. It only reads the page; an edit that comes first does it itself.
  function warm() {
    if (L.edited || original.steps) return;
    snapshot();
    var state = L.state;
    L.rewriteView(S.view, state.steps, state.grad);
    findDataTexts();
    L.texts.warm();
    L.warmed = true;
  }

  // ---- Reset: the numbers the page was made with
  function snapshot() {
    original.steps = JSON.stringify(data.steps);
    original.views = JSON.stringify(data.views.map(function (V) { return [V.steps, V.forward]; }));
    original.summary = JSON.stringify(data.summary);
    original.root = data.root_data;
  }
  function restoreOriginal() {
    var steps = JSON.parse(original.steps), views = JSON.parse(original.views), summary = JSON.parse(original.summary);
    data.steps.forEach(function (s, t) { Object.assign(s, steps[t]); });
    data.views.forEach(function (V, k) {
      V.steps.forEach(function (rec, t) { Object.assign(rec, views[k][0][t]); });
      V.forward.forEach(function (rec, t) { Object.assign(rec, views[k][1][t]); });
    });
    data.summary.forEach(function (row, n) { Object.assign(row, summary[n]); });
    data.root_data = original.root;
  }

  var nameOf = L.nameOf = {};
  L.start = function (generated, gateNumbers) {
    if (!live) return;
    if (live.off) {  // where live cannot serve: one line, and the page stays a correct snapshot
      var off = S.el("p", "live-off", live.off); off.id = "live-off";
      $("panel").insertBefore(off, $("panel").firstChild);
      return;
    }
    ops = L.ops = generated; L.gateNumbers = gateNumbers; nodes = L.nodes = live.nodes; N = nodes.length; order = live.order; digits = live.digits;
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
      set: function (state) { made = state; gradPlaces = {}; document.dispatchEvent(new CustomEvent("tgmm:live-state", { detail: state })); }, configurable: true
    });
    var show = S.showView;
    S.showView = function (k) { show.apply(S, arguments); dataTexts = null; L.texts.forget(); ensureView(k); if (L.edited) paintSvg(); };
    var go = S.go;
    S.go = function () { var out = go.apply(S, arguments); L.writeHash(); return out; };
    var ask = S.ask;
    S.ask = function (b) { var st = S.V().steps[b]; if (st && st.t !== undefined) ensureStep(st.t); return ask.apply(S, arguments); };
    var render = S.render;
    S.render = function () { ensureView(S.view); return render.apply(S, arguments); };
    var panel = S.panel;
    S.panel = function () {
      var V = S.V(), done = S.done();
      if (done > 0 && V.steps[done - 1].t !== undefined) ensureStep(V.steps[done - 1].t);
      if (S.asking !== null && V.steps[S.asking].t !== undefined) ensureStep(V.steps[S.asking].t);
      if (done === S.N()) ensureSummary();
      L.texts.ensurePanel();
      panel.apply(S, arguments);
    };
    L.build();
    L.readHash();
    if (window.requestIdleCallback) window.requestIdleCallback(warm, { timeout: 3000 }); else setTimeout(warm, 200);
    L.ready = true;
    window.tinygradLive = L;
  };
})(tgmm);
