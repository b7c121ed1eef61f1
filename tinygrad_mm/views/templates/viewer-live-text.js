// Step-through viewer, part 5b: the live page's words that carry numbers, after an edit — the subtitle, the forward
// stage's sentences, a collapsed box's or a leaf group's step, and the drawing's labels (a value in a box, a group's
// range, the tooltips, what a screen reader says for a node). The words are Python's (views/live_text.py: templates
// with ⟦k⟧ where a number goes); here only the numbers are written. A text is rewritten when the page is about to show
// it (the panel's step) or, for the drawing, only where its number changed. Reset writes the page's own words back.
(function (S) {
  var data = S.data, L = S.live, live = data.live;
  if (!live || live.off) return;
  var T = L.texts = {}, generation = 0, written = {}, made = {};
  var MARK = /\u27e6(\d+)\u27e7/g, CONSTANT = /\u27e8(\d+)\u27e9/g;

  function num(x) { return L.num(x); }
  function norm(xs) { return Math.sqrt(xs.reduce(function (sum, x) { return sum + x * x; }, 0)); }

  // ---- one template: ⟦k⟧ → the k-th mark's number (or words)
  function fill(template, marks, sends) {
    var val = L.state.val, grad = L.state.grad;
    return template.replace(MARK, function (_, k) {
      var m = marks[Number(k)], nodes = m[1];
      if (m[0] === "value") return m[2] ? fmtG(val[nodes[0]], m[2], "−") : num(val[nodes[0]]);
      if (m[0] === "zero") return val[nodes[0]] === 0 ? m[2] : m[3];
      if (m[0] === "grad") return L.gradText(nodes[0], grad[nodes[0]]);  // page_views._shown: grad_format
      if (m[0] === "grads") return num(norm(nodes.map(function (i) { return grad[i]; })));
      if (m[0] === "send") return num(sends[nodes[0]] || 0);
      return num(norm(nodes.map(function (p) { return sends[p] || 0; })));  // "sends"
    });
  }
  T.formula = formula;
  function formula(f, i) {  // views/live_text.formula_parts: each number in parentheses where the engine's fill puts them
    var out = f.pieces[0], val = L.state.val, consts = L.consts[i] || L.nodes[i].constants;
    f.slots.forEach(function (s, k) {
      var text = num(s[0] ? consts[s[1]] : val[s[1]]);
      var wrap = text.charAt(0) === "−" ? s[2] : /^[0-9A-Za-z.]+$/.test(text) ? false : s[3];
      out += (wrap ? "(" + text + ")" : text) + f.pieces[k + 1];
    });
    return out;
  }
  function valueMarks(text) {  // ⟦i⟧: node i's value (the forward stage)
    var val = L.state.val;
    return text.replace(MARK, function (_, i) { return num(val[Number(i)]); });
  }

  // ---- the subtitle
  var subtitle = document.querySelector("header .subtitle");
  function writeSubtitle() {  // a LiveText is filled in; a plain text cannot be, and says it is about the first values
    if (!subtitle || !subtitle.textContent) return;
    if (made.subtitle === undefined) made.subtitle = subtitle.textContent;
    subtitle.textContent = live.subtitle ? fill(live.subtitle.template, live.subtitle.marks, null)
      : made.subtitle + " (written for the values the page was made with)";
  }

  // ---- the panel's record: a forward sentence, a box's or a group's step
  function sendsOf(rec, lv) {  // what the box sends back to each node outside it: the steps it covers, summed
    var sends = {}, steps = L.state.steps;
    rec.covers.forEach(function (t) {
      var i = live.order[t], ps = L.nodes[i].parents || [];
      ps.forEach(function (p, k) {
        if (lv.unitOf[p] !== rec.u && !(L.nodes[p].op === undefined && !L.nodes[p].edit)) sends[p] = (sends[p] || 0) + steps[t].c[k];
      });
    });
    return sends;
  }
  function covers(k, rec) {
    var words = live.views[k].covers[rec.u];
    if (!words) return;
    var sends = rec.u.indexOf("scope") === 0 ? sendsOf(rec, live.views[k]) : {};
    rec.grad = fill(words.grad, words.marks, sends);
    words.lines.forEach(function (line, n) { if (rec.lines[n]) rec.lines[n].text = fill(line, words.marks, sends); });
    var zero = true;  // nothing sent, nothing arrived
    Object.keys(sends).forEach(function (p) { if (sends[p] !== 0) zero = false; });
    words.marks.forEach(function (m) {
      if (m[0] === "grad" || m[0] === "grads") m[1].forEach(function (i) { if (L.state.grad[i] !== 0) zero = false; });
    });
    rec.zero = zero;
  }
  function forwardSentence(k, rec) {
    var box = live.views[k].forward[rec.u];
    if (box !== undefined) { rec.text = valueMarks(box); return; }
    var i = Number(rec.u.slice(1)), nd = L.nodes[i], val = L.state.val;
    if (nd.op === undefined) return;  // leaves are given, never a forward step
    var parts = [data.nodes[i].name, formula(nd.forward[0], i), formula(nd.forward[1], i), num(val[i])], seen = {};
    rec.text = parts.filter(function (p) { var again = seen[p]; seen[p] = true; return !again; }).join(" = ");
  }
  function ensure(k, rec, write) {  // rewritten once per edit, when shown
    if (!L.edited) return;
    var key = k + " " + rec.u + (write === forwardSentence ? " f" : "");
    if (written[key] === generation) return;
    written[key] = generation;
    write(k, rec);
  }
  T.ensurePanel = function () {
    var V = S.V(), done = S.done();
    if (data.forward && S.pos > 0 && S.pos <= S.F()) ensure(S.view, V.forward[S.pos - 1], forwardSentence);
    else if (done > 0 && V.steps[done - 1].covers) ensure(S.view, V.steps[done - 1], covers);
  };
  T.ensureAll = function () {  // every record of every view (tests read the data)
    data.views.forEach(function (V, k) {
      V.forward.forEach(function (rec) { ensure(k, rec, forwardSentence); });
      V.steps.forEach(function (rec) { if (rec.covers) ensure(k, rec, covers); });
    });
  };

  // ---- the drawing: found once per drawing, written only where a number changed
  var labels = null;
  function find() {
    var lv = live.views[S.view], found = { titles: [], outputs: [], ranges: [], edges: [], ops: [] };
    S.units.forEach(function (u) {
      var m = /^v(\d+)(op)?$/.exec(u.id), title = titleOf(u.el);
      if (m && !m[2] && title) {
        var text = title.textContent, at = text.lastIndexOf(": data = "), end = text.lastIndexOf(", kind = ");
        if (at >= 0 && end > at) found.titles.push({ el: title, unit: u.el, i: Number(m[1]), head: text.slice(0, at + 9), tail: text.slice(end), v: L.nodes[Number(m[1])].value });
      } else if (m && title) {
        var i = Number(m[1]), nd = L.nodes[i];
        var made = [true, false].some(function (open) { return title.textContent === opTitle(i, nd.constants, open); });
        if ((nd.gate || /\u27e8/.test(nd.head)) && made) found.ops.push({ el: title, i: i });
      } else if (lv.outputs[u.id]) {
        var texts = u.el.querySelectorAll("text");
        lv.outputs[u.id].forEach(function (out) {
          for (var n = 0; n < texts.length; n++) {
            if (texts[n].textContent === out[1] + num(L.nodes[out[0]].value)) { found.outputs.push({ el: texts[n], unit: u.el, i: out[0], head: out[1], v: L.nodes[out[0]].value }); return; }
          }
        });
      } else if (lv.groups[u.id]) {
        var all = u.el.querySelectorAll("text");
        for (var n = 0; n < all.length; n++) {
          if (all[n].textContent.indexOf("data in [") === 0) found.ranges.push({ el: all[n], unit: u.el, members: lv.groups[u.id], text: all[n].textContent });
        }
      }
    });
    S.edges.forEach(function (e) {
      var m = /^e(\d+)_(\d+)$/.exec(e.id), title = titleOf(e.el);
      if (!m || !title) return;
      var parts = /^(local derivative .* = )([^;]*)(;.*)?$/.exec(title.textContent);
      if (parts) found.edges.push({ el: title, t: stepOf[Number(m[1])], k: Number(m[2]), head: parts[1], tail: parts[3] || "", text: title.textContent });
    });
    return found;
  }
  function titleOf(el) {  // Graphviz writes a node's or an edge's tooltip as its first child
    var first = el.firstElementChild;
    return first && first.tagName === "title" ? first : el.querySelector("title");
  }
  function opTitle(i, consts, open) {  // text.op_summary: the formula, then each local derivative (0 past a closed gate)
    var nd = L.nodes[i], head = nd.head.replace(CONSTANT, function (_, j) { return num(consts[Number(j)]); });
    var parts = nd.parents.slice(0, 4).map(function (p, k) { return nd.locals[k] + " = " + (open === false ? "0" : nd.syms[k]); });
    return head + ": " + parts.join(", ") + (nd.parents.length > 4 ? ", …" : "");
  }
  var stepOf = {};
  live.order.forEach(function (i, t) { stepOf[i] = t; });
  T.forget = function () { labels = null; };
  T.warm = function () { if (!labels && S.svg) labels = find(); };  // viewer-live.js: warm (it only reads the drawing)
  T.paint = function () {  // the drawing's labels, now; returns the units whose words changed
    if (!L.state || !S.svg) return;
    if (!labels) labels = find();
    var val = L.state.val, grad = L.state.grad, steps = L.state.steps, changed = [];
    function set(entry, text) { if (entry.el.textContent !== text) { entry.el.textContent = text; if (entry.unit) changed.push(entry.unit); } }
    labels.titles.forEach(function (e) { if (val[e.i] !== e.v) { e.v = val[e.i]; set(e, e.head + num(e.v) + e.tail); } });
    labels.outputs.forEach(function (e) { if (val[e.i] !== e.v) { e.v = val[e.i]; set(e, e.head + num(e.v)); } });
    labels.ranges.forEach(function (e) {
      var low = Infinity, high = -Infinity;
      e.members.forEach(function (i) { low = Math.min(low, val[i]); high = Math.max(high, val[i]); });
      set(e, "data in [" + num(low) + ", " + num(high) + "]");
    });
    labels.edges.forEach(function (e) {  // e.v: the local derivative the tooltip says (undefined: not yet read)
      var local = steps[e.t].local[e.k];
      if (local === e.v) return;
      e.v = local;
      var text = e.head + (local - local === 0 ? num(local) : "undefined") + e.tail;
      if (text !== e.el.textContent) e.el.textContent = text;
    });
    labels.ops.forEach(function (e) { set(e, opTitle(e.i, L.consts[e.i] || L.nodes[e.i].constants, steps[stepOf[e.i]].open)); });
    if (S.relabel) changed.forEach(function (unit) { S.relabel(unit); });  // viewer-a11y.js: what a screen reader says
  };

  // ---- after every edit, and at Reset
  T.changed = function () { generation++; writeSubtitle(); };
  T.reset = function () {
    generation++; written = {};
    if (made.subtitle !== undefined && subtitle) subtitle.textContent = made.subtitle;
  };
})(tgmm);
