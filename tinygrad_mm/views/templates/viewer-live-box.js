// Step-through viewer, part 6: the live page's box in the panel — pick a value, type it, slide it or drag its node;
// the nudge line; a refused value's message; the state in the URL. The recomputing is part 5 (viewer-live.js).
(function (S) {
  var data = S.data, $ = S.$, L = S.live, live = data.live;
  if (!live) return;  // a page made without the live part (--no-live)
  function num(x) { return L.num(x); }

  // ---- the live box in the panel
  function el(tag, cls, text) { return S.el(tag, cls, text); }
  var box, select, field, slider, nudgeH, nudgeOut, errorLine, edited;
  var STYLE = [  // the gate as it is now (the drawing shows it as the page was made), and a refused node
    "#graph g[data-live-gate=open] ellipse { fill: #f4f1fa; stroke: #8e7cc3; stroke-dasharray: none; }",
    "#graph g[data-live-gate=open] text.live-gate-label { display: none; }",
    "#graph g[data-live-gate=closed] ellipse { fill: " + live.closedFill + "; stroke: #777777; stroke-dasharray: 5,2; }",
    "#graph g.edge[data-live-gate=open] path { stroke-dasharray: none; }",
    "#graph g.edge[data-live-gate=closed] path { stroke-dasharray: 5,2; }",
    "#graph g[data-live-refused] ellipse, #graph g[data-live-refused] polygon, #graph g[data-live-refused] path { stroke: #c00000; stroke-width: 3px; }",
    "#live { border-bottom: 1px solid #ccc; margin-bottom: 0.6em; } #live h2 { font-size: 1em; }",
    // presenting, the box is in the header (it slides in on hover, on Tab, or with E) and the panel says what changed
    "header #live { flex: 1 1 100%; border: none; margin: 0; } header #live h2 { display: none; }",
    "body.presenter #live input, body.presenter #live select, body.presenter #live span { font-size: 22px; }",
    "body.presenter #live-value { width: 12em; }",
    "body.presenter #live .live-nudge, body.presenter #live .live-error { font-size: 20px; margin: 2px 0; }",
    "#live-edited { margin: 0 0 6px; font-size: 21px; color: var(--ink); } #live-edited b { font-family: \"DejaVu Sans Mono\", monospace; }",
    ".live-baked { font-size: 0.85em; color: var(--muted); margin: 0.2em 0; }",
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
    if (live.baked) { var baked = el("p", "live-baked", live.baked); baked.id = "live-baked"; box.appendChild(baked); }
    errorLine = el("p", "live-error"); errorLine.id = "live-error"; errorLine.setAttribute("role", "alert"); errorLine.hidden = true;
    box.appendChild(errorLine);
    edited = el("p"); edited.id = "live-edited"; edited.hidden = true;
    place(S.presenting());
    document.addEventListener("tgmm:presenter", function (ev) { place(ev.detail); });
    document.addEventListener("keydown", editKey);
    var keys = document.querySelector(".legend .keys");
    if (keys) keys.appendChild(document.createTextNode(" · E: change a value (live; Esc leaves the box)"));
    select.addEventListener("change", syncFields);
    field.addEventListener("change", function () { L.set(select.value, parse(field.value)); });
    slider.addEventListener("input", function () { if (L.set(select.value, Number(slider.value))) field.value = slider.value; });
    reset.addEventListener("click", L.reset);
    nudgeH.addEventListener("change", showNudge);
    S.graph.addEventListener("pointerdown", dragStart);
    syncFields();
  }
  function place(presenting) {  // the box: in the panel, or (presenting) in the header, out of the room's way
    var panel = $("panel");
    if (presenting) {
      document.querySelector("header").appendChild(box);
      panel.insertBefore(edited, panel.firstChild);
    } else {
      panel.insertBefore(box, panel.firstChild);
      if (edited.parentNode) edited.parentNode.removeChild(edited);
    }
    showEdited();
  }
  function showEdited() {  // presenting: one line in the panel says which values are not the page's own
    if (!edited) return;
    var changed = Object.keys(L.targets).filter(function (name) { return L.value(name) !== L.originalValue(name); });
    edited.hidden = !changed.length || !S.presenting();
    edited.textContent = changed.length ? "Changed: " : "";
    changed.slice(0, 3).forEach(function (name, n) {
      edited.appendChild(document.createTextNode((n ? ", " : "") + name + " = "));
      edited.appendChild(el("b", "", num(L.value(name))));
      edited.appendChild(document.createTextNode(" (was " + num(L.originalValue(name)) + ")"));
    });
    if (changed.length > 3) edited.appendChild(document.createTextNode(" and " + (changed.length - 3) + " more"));
  }
  function editKey(ev) {  // E: to the value field (the header slides in); Esc in the box: back to the page's keys
    var tag = ev.target && ev.target.tagName, inBox = box.contains(ev.target);
    if (ev.key === "Escape" && inBox) { ev.target.blur(); return; }
    if ((tag === "INPUT" && ev.target.type !== "checkbox") || tag === "SELECT" || tag === "TEXTAREA" || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    if (ev.key === "e" || ev.key === "E") { ev.preventDefault(); field.focus(); field.select(); }
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
    if (edited && S.presenting()) { showEdited(); S.fitPanel(); }
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
    if (!m || !L.nodes[Number(m[1])].edit) return;
    var name = L.nameOf[Number(m[1])], start = L.value(name), x0 = ev.clientX, r = range(name), moved = false;
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

  L.build = build; L.readHash = readHash; L.syncFields = syncFields; L.showNudge = showNudge;
  L.showError = showError; L.clearError = clearError; L.writeHash = writeHash;
})(tgmm);
