// Step-through viewer, part 2 of 4: the panel beside (or, presenting, under) the graph — each step's words.
(function (S) {
  var data = S.data, nodes = data.nodes, $ = S.$;
  var root = data.root_shown;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  S.el = el;
  function partial(i) { return "∂" + root + "/∂" + nodes[i].shown; }

  function clear() {
    ["step-lines", "step-received", "step-grad"].forEach(function (id) { $(id).textContent = ""; });
    $("step-gate").hidden = true; $("summary").hidden = true; $("quiz-result").hidden = true;
  }

  S.panel = function () {
    clear();
    var title = $("step-title"), note = $("step-note"), F = S.F(), done = S.done();
    if (data.forward && F > 0 && S.pos <= F) return forwardPanel(title, note, F);
    if (done === 0) {
      title.textContent = "Forward pass done: " + data.root_name + " = " + data.root_data;
      note.textContent = "No gradient is known yet. Press Next (→): backprop starts at " + data.root_name +
        " with " + partial(data.root) + " = 1, then visits each node after every node that uses it, adding " +
        "∂" + root + "/∂node · ∂node/∂parent to each parent's gradient.";
      return;
    }
    var step = S.V().steps[done - 1];
    if (step.t === undefined) boxPanel(step, done, title, note);
    else nodePanel(step, done, title, note);
    if (done === S.N()) summary();
    else $("summary").textContent = "";
  };

  function forwardPanel(title, note, F) {
    if (S.pos === 0) {
      title.textContent = "Forward pass: the inputs and parameters are given";
      note.textContent = "Press Next (→) to compute each value from its inputs, in topological order (" + F +
        " steps); then backprop runs from " + data.root_name + " back to the inputs.";
      return;
    }
    var fw = S.V().forward[S.pos - 1];
    title.textContent = "Forward " + S.pos + " of " + F;
    $("step-grad").textContent = fw.text;
    note.textContent = S.pos === F ? "Forward pass done: " + data.root_name + " = " + data.root_data +
      ". Next, backprop starts at " + data.root_name + " with " + partial(data.root) + " = 1." : "";
  }

  function nodePanel(step, done, title, note) {
    var s = data.steps[step.t], node = nodes[s.node], name = node.name;
    title.textContent = "Step " + done + ": " + name + (node.op ? "  (" + node.op + ")" : "  (" + node.kind + ")");
    var gradLine = $("step-grad");
    gradLine.appendChild(document.createTextNode(partial(s.node) + " = "));
    var b = el("b", "grad-value", s.grad);
    b.setAttribute("data-exact", String(s.grad_exact));
    gradLine.appendChild(b);
    if (s.gate) { $("step-gate").hidden = false; $("step-gate").textContent = s.gate; }
    if (done === 1 && s.node === data.root) {
      note.textContent = "The seed: " + partial(data.root) + " = 1. " +
        (s.edges.length ? "It now sends one contribution to each input of " + name + ":" : "");
    } else if (s.edges.length) {
      note.textContent = (node.uses === 1 ? "Final: its only use has sent its contribution. "
        : "Final: all " + node.uses + " uses of " + name + " have sent their contributions. ") +
        "Chain rule, one line per input of " + name + ", and why the local derivative is what it is:";
    } else {
      note.textContent = name + " is a leaf (" + node.kind + "): nothing to pass on. Its gradient is final: " +
        "the sum of what its " + node.uses + " use" + (node.uses === 1 ? "" : "s") + " sent.";
    }
    s.edges.forEach(function (e) {
      var li = el("li", e.zero ? "zero" : "", e.text);
      pointAt(li, e.parent);
      if (e.why) li.appendChild(el("span", "why", e.why));
      if (e.acc) li.appendChild(el("span", "acc", e.acc));
      $("step-lines").appendChild(li);
    });
    if (s.received.length > 1 || (!s.edges.length && s.received.length)) {
      var rec = $("step-received");
      rec.appendChild(el("h3", "", partial(s.node) + " = " + s.grad + " is the sum of what reached it:"));
      var ol = el("ol");
      s.received.forEach(function (r) {
        var li = el("li", "", "from " + nodes[r.from].name + ": " + r.text);
        pointAt(li, r.from);
        ol.appendChild(li);
      });
      rec.appendChild(ol);
    }
    S.quizResult(step.t);
  }

  function boxPanel(step, done, title, note) {
    title.textContent = "Step " + done + ": " + step.title;
    $("step-grad").textContent = step.grad;
    note.textContent = step.note;
    step.lines.forEach(function (line) {
      var li = el("li", step.zero ? "zero" : "", line.text);
      if (line.parent !== undefined) pointAt(li, line.parent);
      $("step-lines").appendChild(li);
    });
  }

  function summary() {  // the last step: every leaf's gradient, and per-branch sums for shared ones
    var box = $("summary"), rows = box.querySelectorAll("ol > li");
    box.hidden = false;
    if (rows.length === data.summary.length && rows.length) {  // shown already (a live edit): only the numbers change
      data.summary.forEach(function (row, n) {
        var text = rows[n].firstChild, branches = rows[n].querySelector(".branches");
        if (text.nodeValue !== row.text) text.nodeValue = row.text;
        if (branches && branches.textContent !== "= " + row.branches) branches.textContent = "= " + row.branches;
      });
      return;
    }
    box.textContent = "";
    box.appendChild(el("h3", "", "Done. Every input's and parameter's gradient:"));
    var ol = el("ol");
    data.summary.forEach(function (row) {
      var li = el("li", "", row.text);
      if (row.branches) li.appendChild(el("span", "branches", "= " + row.branches));
      pointAt(li, row.node);
      ol.appendChild(li);
    });
    box.appendChild(ol);
  }

  function pointAt(li, i) {  // hovering a line outlines the node it names; clicking jumps to that node's step
    li.setAttribute("data-node", "v" + i);
    li.addEventListener("mouseenter", function () { point(i, true); });
    li.addEventListener("mouseleave", function () { point(i, false); });
  }
  function point(i, on) {
    var e = S.byId["v" + i];
    if (e) e.classList.toggle("pointed", on);
  }
})(tgmm);
