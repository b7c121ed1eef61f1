// Step-through viewer, the matrix lens (views/matrix_page.py): each array's gradient grids below the graph.
// Hovering or focusing a cell shows its number and scalar paths; clicking it (or Enter) jumps to that node's step.
// Loaded only on a page made with the lens (viewer.page(matrix=True)).
(function (S) {
  var data = S.data, $ = S.$;
  var template = document.getElementById("matrix-lens");
  if (!data.matrix || !template) return;

  var style = document.createElement("style");
  style.textContent =
    "#matrix { flex: 0 0 46vh; overflow: auto; margin: 0 10px 10px; border: 1px solid #5b4a8b; background: #fff; }" +
    "#matrix[hidden] { display: none; }" +
    "#matrix .matrix-bar { position: sticky; top: 0; left: 0; background: #f4f0fa; padding: 6px 10px; display: flex; gap: 12px; align-items: baseline; }" +
    "#matrix-info { margin: 0; flex: 1; white-space: pre-wrap; font-size: 13px; }" +
    "#matrix g.mx-cell { cursor: pointer; }" +
    "#matrix g.mx-cell:hover polygon, #matrix g.mx-cell:focus polygon, #matrix g.mx-cell.lit polygon { stroke: #7048e8; stroke-width: 3px; }" +
    "#matrix g.mx-cell:focus { outline: none; }" +
    "#matrix .matrix-layers { display: flex; gap: 4px; align-items: baseline; white-space: nowrap; }" +
    "#matrix-info button.chip { font-size: 11px; padding: 0 4px; margin: 2px 2px 0 0; }";
  document.head.appendChild(style);

  var section = S.el("section"), bar = S.el("div", "matrix-bar"), holder = S.el("div", "matrix-svg");
  section.id = "matrix";
  section.hidden = true;
  section.setAttribute("aria-label", "matrix lens: each array's gradient, by branch");
  var info = S.el("p", "", "Hover or focus a cell (Tab) for its number and scalar paths; click it or press Enter to jump to that node's step.");
  info.id = "matrix-info";
  info.setAttribute("aria-live", "polite");
  var close = S.el("button", "", "✕ Close");
  close.type = "button";
  close.title = "Close the matrix lens (M)";
  bar.appendChild(info);
  bar.appendChild(close);
  holder.appendChild(template.content.cloneNode(true));
  section.appendChild(bar);
  section.appendChild(holder);
  document.querySelector("main").insertAdjacentElement("afterend", section);

  var toggle = S.el("button", "", "▦ Matrix");
  toggle.id = "matrix-toggle";
  toggle.type = "button";
  toggle.title = "The matrix lens: each array's gradient via each branch, and the notes' δxᵀ (M)";
  toggle.setAttribute("aria-pressed", "false");
  toggle.setAttribute("aria-controls", "matrix");
  document.querySelector("nav.controls").appendChild(toggle);

  function open(on) {
    section.hidden = !on;
    toggle.setAttribute("aria-pressed", String(on));
  }
  toggle.addEventListener("click", function () { open(section.hidden); });
  close.addEventListener("click", function () { open(false); toggle.focus(); });

  function titleOf(cell) { if (S.matrixFlush) S.matrixFlush(cell.id); var t = cell.querySelector("title"); return t ? t.textContent : ""; }
  function stepOfNode(i) {
    for (var t = 0; t < data.steps.length; t++) if (data.steps[t].node === i) return t;
    return -1;
  }
  // the node's backward step, in a view where it is drawn as itself if there is one
  S.jumpToNode = function (i) {
    var t = stepOfNode(i);
    if (t < 0) return false;
    if (!S.byId["v" + i] && data.expand_all !== null && data.expand_all !== undefined && S.view !== data.expand_all) {
      S.switchView(data.expand_all, null);
      S.fit(Math.min(S.zoom, 1));
    }
    var steps = S.V().steps;
    for (var q = 0; q < steps.length; q++) {
      if (S.covers(steps[q]).indexOf(t) >= 0) {
        if (S.timer) $("play").click();
        S.go(S.F() + q + 1, true);
        var e = S.byId["v" + i] || S.byId[steps[q].u];
        if (e) { e.classList.add("pointed"); S.follow(e); }
        return true;
      }
    }
    return false;
  };

  // the backward pass by layer (views/matrix_formulas.layer_steps): U, then f, then W and b — each its matrix
  // formula with the numbers, expanding into its scalar steps (listed; click one to go there)
  var layers = data.matrix.layers || [];
  if (layers.length) {
    var group = S.el("span", "matrix-layers");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "the backward pass by layer");
    group.appendChild(S.el("span", "", "By layer:"));
    layers.forEach(function (layer, k) {
      var b = S.el("button", "", layer.title);
      b.type = "button";
      b.id = "matrix-layer-" + k;
      b.title = layer.formula;
      b.addEventListener("click", function () { showLayer(k); });
      group.appendChild(b);
    });
    bar.insertBefore(group, close);
  }
  var shownLayer = null;  // the layer step the info line shows, if any
  function layerText(layer) {
    return "Step " + layer.title + ":  " + layer.formula + "\n" + layer.lines.join("\n") +
      "\nIt stands for " + layer.nodes.length + " scalar steps (outlined in the graph): ";
  }
  S.matrixLayersChanged = function () {  // new numbers in the lines (a live page): the step shown says them, its chips stay
    if (shownLayer !== null && info.firstChild && info.firstChild.nodeType === 3) info.firstChild.nodeValue = layerText(layers[shownLayer]);
  };
  function showLayer(k) {
    var layer = layers[k], first = null, best = Infinity;
    layer.nodes.forEach(function (i) { var t = stepOfNode(i); if (t >= 0 && t < best) { best = t; first = i; } });
    if (first !== null) S.jumpToNode(first);
    layer.nodes.forEach(function (i) { var e = S.byId["v" + i]; if (e) e.classList.add("pointed"); });
    info.textContent = layerText(layer);
    shownLayer = k;
    layer.nodes.forEach(function (i) {
      var chip = S.el("button", "chip", data.nodes[i].name);
      chip.type = "button";
      chip.addEventListener("click", function () { S.jumpToNode(i); });
      info.appendChild(chip);
    });
  }

  var cells = holder.querySelectorAll("g.mx-cell");
  [].forEach.call(cells, function (cell) {
    function show() { info.textContent = titleOf(cell); shownLayer = null; }
    function jump() {
      var i = Number(cell.getAttribute("data-node"));
      show();
      if (S.jumpToNode(i)) info.textContent = "Jumped to the step of " + data.nodes[i].name + ".  " + titleOf(cell);
    }
    cell.addEventListener("mouseenter", show);
    cell.addEventListener("focus", show);
    cell.addEventListener("click", jump);
    cell.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); ev.stopPropagation(); jump(); }
    });
  });
  // ---- the hook for a live page (issue 21): new numbers for the cells, recoloured as the picture colours them.
  // tgmm.matrixCells(): cell id → [node index, kind, branch, scale, number]; kind: "via" (∂J/∂entry through branch
  // k), "rest", "sum", or the notes' "x", "delta", "outer" of branch k; cells of one scale share one colour scale.
  // tgmm.matrixUpdate({cell id: [number, text, factors]}): those cells get the number (the text as the caller formats
  // it); every cell of a touched scale is recoloured to that scale's new largest |number|.  A tooltip keeps its first
  // line's words with the new number ("∂J/∂W[0,1] via s = …"); with factors [a, b], its "… = a · b = number" too (δ, δxᵀ), and its other lines.
  var meta = data.matrix.cells || {}, ramps = data.matrix.ramps;
  S.matrixCells = function () { return meta; };
  function mix(a, b, t) {
    var out = "#";
    for (var k = 1; k < 7; k += 2) {
      var x = parseInt(a.slice(k, k + 2), 16), y = parseInt(b.slice(k, k + 2), 16);
      out += ("0" + Math.round(x + (y - x) * t).toString(16)).slice(-2);
    }
    return out;
  }
  function colour(v, largest) {  // views/matrix_draw.colour
    if (v === null || !isFinite(v)) return "#000000";
    if (v === 0 || largest === 0) return ramps.zero;
    var ramp = v < 0 ? ramps.negative : ramps.positive, t = Math.min(Math.abs(v) / largest, 1) * (ramp.length - 1);
    var k = Math.min(Math.floor(t), ramp.length - 2);
    return mix(ramp[k], ramp[k + 1], t - k);
  }
  var ids = Object.keys(meta), els = null;
  function elements() {  // once: each cell's shapes, and what it shows (so that only what changes is written)
    els = {};
    ids.forEach(function (id) {
      var cell = document.getElementById(id);
      if (cell) els[id] = { cell: cell, shape: cell.querySelector("polygon"), text: cell.querySelector("text"), title: cell.querySelector("title") };
    });
  }
  S.matrixUpdate = function (values) {
    if (!els) elements();
    var touched = {}, largest = {}, changed = Object.keys(values);
    changed.forEach(function (id) { if (meta[id]) { meta[id][4] = values[id][0]; touched[meta[id][3]] = true; } });
    ids.forEach(function (id) {
      var scale = meta[id][3], v = meta[id][4];
      if (touched[scale] && v !== null && isFinite(v)) largest[scale] = Math.max(largest[scale] || 0, Math.abs(v));
    });
    ids.forEach(function (id) {  // every cell of a touched scale: its colour (and its text's) on the new scale
      var scale = meta[id][3], e = els[id];
      if (!touched[scale] || !e) return;
      var v = meta[id][4], top = largest[scale] || 0, fill = colour(v, top);
      if (e.shape && e.fill !== fill) { e.shape.setAttribute("fill", fill); e.fill = fill; }
      var ink = top && Math.abs(v) / top > 0.6 ? "#ffffff" : "#222222";
      if (e.text && e.ink !== ink) { e.text.setAttribute("fill", ink); e.ink = ink; }
    });
    changed.forEach(function (id) {  // the cells given: their number, and (soon) their tooltip's first line
      var e = els[id];
      if (!e) return;
      if (e.text) e.text.textContent = values[id][1];
      var all = tooltip(id), end = all.indexOf("\n"), head = end < 0 ? all : all.slice(0, end), factors = values[id][2];
      if (factors) {  // "δ[0] = U[0]·f′(z[0]) = u · f′ = δ": the last two " = " are the arithmetic (numbers hold none)
        var last = head.lastIndexOf(" = ");
        S.matrixTooltip(id, head.slice(0, head.lastIndexOf(" = ", last - 1)) + " = " + factors[0] + " · " + factors[1] + " = " +
          values[id][1] + all.slice(head.length));  // δ's next line, f′'s formula, holds no number
      } else {
        S.matrixTooltip(id, head.slice(0, head.indexOf(" = ") + 3) + values[id][1]);  // the old arithmetic and paths go
      }
    });
  };
  // A tooltip (and the cell's aria-label) is written just after the frame is painted, a few milliseconds at a time,
  // or at once when a cell is hovered or focused (titleOf): a change of the hinge rewrites hundreds, none seen before.
  // ``after``: a function giving the rest of the text (a live page's paths), worked out only when it is written.
  var tooltips = {}, later = {}, queued = false;
  function tooltip(id) { return tooltips[id] !== undefined ? tooltips[id] : els[id].title.textContent; }
  S.matrixTooltipOf = function (id) { if (!els) elements(); return els[id] ? tooltip(id) : ""; };
  S.matrixTooltip = function (id, text, after) {
    if (!els) elements();
    if (!els[id]) return;
    tooltips[id] = text;
    if (after) later[id] = after; else delete later[id];
    if (!queued) { queued = true; requestAnimationFrame(function () { setTimeout(flushSome, 0); }); }
  };
  function write(id) {
    var text = tooltips[id] + (later[id] ? later[id]() : "");
    delete tooltips[id]; delete later[id];
    els[id].title.textContent = text;
    els[id].cell.setAttribute("aria-label", text.replace(/\n/g, "; "));
  }
  function flushSome() {  // 4 ms at a time, so that dragging a slider stays smooth
    var start = performance.now(), ids = Object.keys(tooltips);
    for (var q = 0; q < ids.length && performance.now() - start < 4; q++) write(ids[q]);
    if (q < ids.length) setTimeout(flushSome, 0); else queued = false;
  }
  S.matrixFlush = function (id) {  // one cell's tooltip now (or every pending one)
    if (id !== undefined) { if (tooltips[id] !== undefined) write(id); return; }
    Object.keys(tooltips).forEach(write);
  };

  document.addEventListener("keydown", function (ev) {
    var tag = ev.target && ev.target.tagName, type = ev.target && ev.target.type;
    if ((tag === "INPUT" && type !== "checkbox") || tag === "SELECT" || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    if (ev.key === "m" || ev.key === "M") { ev.preventDefault(); open(section.hidden); }
  });
  open(!!data.matrix.open);
})(tgmm);
