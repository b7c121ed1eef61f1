// Step-through viewer, the matrix lens on a live page (views/matrix_live.py): after every recompute — an edit, Reset,
// the state read from the URL — every grid (via each branch, the sum) and every number of the notes' formulas is
// recomputed from the live page's own two passes (viewer-live.js: each op by its class's statement; nothing here
// differentiates anything) and written where the picture shows it, as views/matrix_draw.py writes it — the cells'
// tooltips too, with the factors and products of the scalar paths they list (written just after the frame).
// The hook: viewer-live.js dispatches "tgmm:live-state" (detail: the new {val, grad, steps}) whenever its state changes.
(function (S) {
  var data = S.data, lens = data.matrix && data.matrix.live;
  if (!lens || !data.live || !S.matrixUpdate) return;
  var meta = S.matrixCells(), F = lens.formulas, words = lens.words, N = data.nodes.length;
  var ready = false, stepOf, branchOf, cellOf = {}, zOf = [], titles = {}, shown = {}, ids = Object.keys(meta);

  function prepare() {  // once: step and branch of each node, each W cell's (i, j), each z's i, the cells' tooltips as made
    stepOf = new Int32Array(N).fill(-1);
    data.live.order.forEach(function (i, t) { stepOf[i] = t; });
    branchOf = new Int32Array(N).fill(-1);
    lens.branches.forEach(function (ops, k) { ops.forEach(function (i) { branchOf[i] = k; }); });
    if (F && F.checks.W) F.checks.W.cells.forEach(function (c) { cellOf[c[0]] = [c[2], c[3]]; });
    if (F) F.branches.forEach(function (b, k) { zOf[k] = {}; b.z.forEach(function (node, i) { zOf[k][node] = i; }); });
    ids.forEach(function (id) {
      var cell = document.getElementById(id);
      if (cell) titles[id] = cell.querySelector("title").textContent;
    });
    ready = true;
  }
  function fill(template, values) { return template.replace(/\ue000(\w+)\ue001/g, function (_, k) { return values[k]; }); }

  // ---- the lens's numbers (matrix.gradient_lens, matrix_formulas.notes_formulas), from one live state
  function compute(state) {
    var nodes = data.live.nodes, order = data.live.order, steps = state.steps, val = state.val, grad = state.grad;
    var via = lens.branches.map(function () { return new Float64Array(N); }), rest = new Float64Array(N);
    for (var t = 0; t < order.length; t++) {  // in backward()'s order: each entry's parts add up as its .grad did
      var i = order[t], ps = nodes[i].parents, c = steps[t].c, k = branchOf[i];
      if (!ps) continue;
      var into = k >= 0 ? via[k] : lens.branches.length ? rest : null;  // without branches all is the sum grid's
      if (into) for (var q = 0; q < ps.length; q++) into[ps[q]] += c[q];
    }
    var out = { via: via, rest: rest, branches: [], checks: {}, val: val, grad: grad, steps: steps };
    if (!F) return out;
    out.branches = F.branches.map(function (b) {
      var fprime = b.a.map(function (a) { return steps[stepOf[a]].local[0]; });
      return { g: grad[b.out], x: b.x, a: b.a, fprime: fprime, delta: fprime.map(function (d, i) { return val[F.U[i]] * d; }) };
    });
    Object.keys(F.checks).forEach(function (role) {  // NotesFormulas.predicted and _check, cell by cell in the same order
      var largest = 0, worst = "", scale = 0;
      F.checks[role].cells.forEach(function (cell) {
        var predicted = 0, g = grad[cell[0]];
        out.branches.forEach(function (b) {
          var f = role === "W" ? b.delta[cell[2]] * val[b.x[cell[3]]] : role === "b" ? b.delta[cell[2]] : val[b.a[cell[2]]];
          predicted += b.g * f;
        });
        var diff = Math.abs(predicted + rest[cell[0]] - g);  // + what came through no branch
        if (Math.abs(g) > scale) scale = Math.abs(g);
        if (diff > largest || !worst) { largest = isFinite(diff) ? diff : Infinity; worst = cell[1]; }
      });
      out.checks[role] = { largest: largest, worst: worst, ok: largest <= lens.mismatch * Math.max(scale, 1e-300) || largest === 0 };
    });
    return out;
  }

  function cellValue(m, lensState) {  // one cell's number, for its role (matrix_draw.Cells.roles)
    var node = m[0], kind = m[1], k = m[2];
    if (kind === "via") return lensState.via[k][node];
    if (kind === "rest") return lensState.rest[node];
    if (kind === "sum") return lensState.grad[node];
    if (kind === "x") return lensState.val[node];
    var b = lensState.branches[k];
    if (kind === "delta") return b.delta[zOf[k][node]];
    var ij = cellOf[node];  // "outer": δ_B,i · x_B,j on W[i,j]'s cell
    return b.delta[ij[0]] * lensState.val[b.x[ij[1]]];
  }
  function factors(m, lensState, num) {  // the δ and δxᵀ tooltips' arithmetic: [U_i, f′(z_i)] or [δ_i, x_j]
    var b = lensState.branches[m[2]];
    if (m[1] === "delta") { var i = zOf[m[2]][m[0]]; return [num(lensState.val[F.U[i]]), num(b.fprime[i])]; }
    if (m[1] !== "outer") return null;
    var ij = cellOf[m[0]];
    return [num(b.delta[ij[0]]), num(lensState.val[b.x[ij[1]]])];
  }

  function slotText(spec, lensState, largest, num) {  // one slot of a text (matrix_draw.Cells.text)
    if (spec[0] === "grad") return num(lensState.grad[spec[1]]);
    if (spec[0] === "scale") return largest[spec[1]] ? fill(words.scale, { largest: num(largest[spec[1]]) }) : words.flat;
    if (spec[0] === "sum") {
      var worst = 0;
      lens.arrays[spec[1]].forEach(function (n, q) {
        var parts = 0;
        lensState.via.forEach(function (v) { parts += v[n]; });
        var d = Math.abs(parts + lensState.rest[n] - lensState.grad[n]);
        if (q === 0 || d > worst) worst = d;
      });
      return num(worst);
    }
    var check = lensState.checks[spec[1]], part = spec[2];  // "check"
    if (part === "largest") return num(check.largest);
    if (part === "worst") return check.worst;
    if (part === "verdict") return check.ok ? words.ok : words.bad;
    if (lensState.branches.some(function (b) { return b.g !== 0; })) return "";  // "zero": only when every factor is 0
    var closed = lens.gates.filter(function (g) { return lensState.steps[stepOf[g[0]]].open === false; })
      .map(function (g) { return g[1]; });
    var flat = closed.join(" and ") + (closed.length === 1 ? " is" : " are");
    return fill(words.zero, { why: closed.length ? fill(words.why, { flat: flat }) : "" });
  }

  function vectorText(values, num) {  // matrix_formulas.vector_text: (0.1, −0.2, …, 0.3)
    var shown = values.map(num);
    if (shown.length > 8) shown = shown.slice(0, 6).concat(["…", shown[shown.length - 1]]);
    return "(" + shown.join(", ") + ")";
  }
  function layerSlot(spec, lensState, num) {  // matrix_formulas.slot_text
    var kind = spec[0], of = spec[1], text;
    if (kind === "grad" || kind === "factor") {
      text = num(lensState.grad[of]);
      return kind === "factor" && (text.charAt(0) === "−" || text.charAt(0) === "-") ? "(" + text + ")" : text;
    }
    if (kind === "data") return vectorText(of.map(function (i) { return lensState.val[i]; }), num);
    if (kind === "grads") return vectorText(of.map(function (i) { return lensState.grad[i]; }), num);
    var b = lensState.branches[of];
    if (kind === "fprime") return vectorText(b.fprime, num);
    if (kind === "delta") return vectorText(b.delta, num);
    var worst = 0;  // "off": how far ∂J/∂z is from (∂J/∂s)·δ in the scalar steps
    F.branches[of].z.forEach(function (z, i) {
      var d = Math.abs(b.g * b.delta[i] - lensState.grad[z]);
      if (i === 0 || d > worst) worst = d;
    });
    return num(worst);
  }
  function paths(id, lensState, num) {  // matrix_draw.Cells.paths: "route = (d₁)·(d₂)·… = product" for each path listed
    var made = titles[id].split("\n"), routes = lens.routes[id], out = [made[1]], nodes = data.live.nodes;
    routes.forEach(function (route, p) {
      var line = made[2 + p], cut = line.lastIndexOf(" = ", line.lastIndexOf(" = ") - 1), product = 1, factors = [];
      for (var q = 0; q + 1 < route.length; q++) {  // ∂route[q]/∂route[q+1], as that node's backward step had it
        var d = lensState.steps[stepOf[route[q]]].local[nodes[route[q]].parents.indexOf(route[q + 1])];
        factors.push("(" + num(d) + ")");
        product *= d;
      }
      out.push(line.slice(0, cut) + " = " + (factors.join("·") || "1") + " = " + num(product));
    });
    if (made.length > 2 + routes.length) out.push(made[2 + routes.length]);  // "… and 5 more"
    return "\n" + out.join("\n");
  }
  function graphvizSpaces(line) {  // Graphviz writes a run of spaces (in a text and in a tooltip) as one space and no-break spaces
    return line.replace(/ {2,}/g, function (run) { return " " + "\u00a0".repeat(run.length - 1); });
  }

  S.matrixLive = function (state) {  // every cell and text of the lens, for this state
    if (!ready) prepare();
    var t0 = performance.now(), num = S.live.num, lensState = compute(state), values = {}, largest = {};
    ids.forEach(function (id) {  // only the cells whose number changed are written (a flip of the hinge: about half)
      var m = meta[id], v = cellValue(m, lensState);
      if (v !== m[4]) values[id] = [v, num(v), factors(m, lensState, num)];
      if (isFinite(v)) largest[m[3]] = Math.max(largest[m[3]] || 0, Math.abs(v));
    });
    S.matrixUpdate(values);
    var edited = Object.keys(S.live.edits).length > 0 || Object.keys(S.live.consts).length > 0;
    Object.keys(lens.routes).forEach(function (id) {  // the paths a tooltip lists: their factors and products, when written
      var all = S.matrixTooltipOf(id), end = all.indexOf("\n");
      S.matrixTooltip(id, end < 0 ? all : all.slice(0, end), function () { return paths(id, lensState, num); });
    });
    if (!edited) ids.forEach(function (id) { if (titles[id] !== undefined) S.matrixTooltip(id, titles[id]); });  // Reset: as made
    lens.texts.forEach(function (spec) {
      var slots = {};
      Object.keys(spec.slots).forEach(function (name) { slots[name] = slotText(spec.slots[name], lensState, largest, num); });
      var text = fill(spec.template, slots);
      if (shown[spec.id] === text) return;
      shown[spec.id] = text;
      var group = document.getElementById(spec.id);
      if (!group) return;
      var lines = text.split("\n"), texts = group.querySelectorAll("text");
      for (var k = 0; k < texts.length && k < lines.length; k++) texts[k].textContent = graphvizSpaces(lines[k]);
      group.querySelector("title").textContent = lines.map(graphvizSpaces).join("\n");  // its tooltip: the text itself
    });
    (data.matrix.layers || []).forEach(function (layer) {  // the backward pass by layer: its lines (views/matrix_formulas.layer_steps)
      layer.lines = layer.templates.map(function (line) {
        var slots = {};
        Object.keys(line[1]).forEach(function (name) { slots[name] = layerSlot(line[1][name], lensState, num); });
        return fill(line[0], slots);
      });
    });
    S.matrixLayersChanged();
    S.matrixLiveMs = performance.now() - t0;  // benchmarks/matrix_lens.py --live
  };
  // while the lens is closed, only the latest state is kept: it is shown when the lens opens (M, or its button)
  var section = document.getElementById("matrix"), pending = null;
  document.addEventListener("tgmm:live-state", function (ev) {
    if (section && section.hidden) { pending = ev.detail; return; }
    S.matrixLive(ev.detail);
  });
  if (section) {
    new MutationObserver(function () {
      if (!section.hidden && pending) { var state = pending; pending = null; S.matrixLive(state); }
    }).observe(section, { attributes: true, attributeFilter: ["hidden"] });
  }
})(tgmm);
