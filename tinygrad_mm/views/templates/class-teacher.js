// Class mode, the teacher's page: every step or view the teacher shows goes to the server (students follow);
// questions go to everyone; the answers come back as a live histogram; Reveal shows the answer to all.
(function (C) {
  var S = C.S, $ = S.$, store = "tgmm-class-teacher:" + C.secret;
  var token = sessionStorage.getItem(store), pending = null, sending = false, state = null;

  function status(text) { C.text("class-status", text); }
  function report(error) { status("✗ " + error.message); }

  // ---- the teacher's step and view reach the server (the latest one only, one request at a time)
  var go = S.go;
  S.go = function () {
    var result = go.apply(S, arguments);
    pending = { view: S.view, pos: S.pos, edits: C.edits() };  // a live edit re-runs go() too
    flush();
    return result;
  };
  function flush() {
    if (sending || !pending || !token) return;
    var body = { teacher: token, view: pending.view, pos: pending.pos, edits: pending.edits };
    pending = null; sending = true;
    C.post("/api/teacher/show", body).catch(report).then(function () { sending = false; flush(); });
  }

  function claim() {
    return C.post("/api/teacher/claim", { key: C.secret }).then(function (json) {
      token = json.teacher;
      sessionStorage.setItem(store, token);
    });
  }
  function onStatus(what) {
    if (what === "live") return;
    status(what === "closed" ? "✗ the class server refused this page; retrying…" : "… reconnecting to the class server");
    if (what === "closed") claim().catch(report);
  }
  function start() {  // while another teacher page is open (409), wait: this one takes over once it closes
    (token ? Promise.resolve() : claim()).then(function () {
      pending = { view: S.view, pos: S.pos, edits: C.edits() };
      flush();
      C.listen(function () { return "/api/events?teacher=" + encodeURIComponent(token); }, show, onStatus);
    }).catch(function (error) {
      report(error);
      if (error.status === 409) setTimeout(start, 3000);
    });
  }
  start();
  window.addEventListener("pagehide", function () {  // closing or reloading the page hands the class back at once
    if (!token) return;
    fetch("/api/teacher/leave", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ teacher: token }), keepalive: true, credentials: "omit" }).catch(function () {});
    sessionStorage.removeItem(store);
  });

  // ---- questions
  function ask(body) {
    body.teacher = token;
    return C.post("/api/teacher/ask", body);
  }
  $("class-ask-step").addEventListener("click", function () {
    var b = S.done(), V = S.V(), full = b < S.N() && S.pos >= S.F() ? S.full(V.steps[b]) : null;
    if (!full || !full.quiz) { status("The next step has no gradient to ask about (the output's seed, a box, or the end): step on."); return; }
    ask({ kind: "step", view: S.view, step: b, answer: full.grad, tol: full.quiz.tol,
          text: "Step " + (b + 1) + ": what does backprop find for " + full.quiz.question })
      .then(function () { S.asking = b; S.render(); }).catch(report);
  });
  $("class-free").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var answer = $("class-free-answer").value.trim();
    ask({ kind: "free", text: $("class-free-text").value, answer: answer === "" ? null : answer }).catch(report);
  });
  function reveal() {
    var q = state && state.question;
    C.post("/api/teacher/reveal", { teacher: token }).then(function () {
      if (q && q.kind === "step" && q.view === S.view) S.go(S.F() + q.step + 1, true);  // the step itself, for all
    }).catch(report);
  }
  $("class-reveal").addEventListener("click", reveal);
  var pageReveal = S.reveal;  // → (Next) on the outlined node reveals it: for the class too while its question is open
  S.reveal = function () {
    var q = state && state.question;
    if (q && q.kind === "step" && !q.revealed && S.asking === q.step) reveal();
    else pageReveal.apply(S, arguments);
  };
  $("class-free-nav").addEventListener("change", function () {
    C.post("/api/teacher/free", { teacher: token, free: this.checked }).catch(report);
  });
  $("class-save").addEventListener("click", function () {
    C.post("/api/teacher/save", { teacher: token }).then(function (json) { C.text("class-saved", "saved to " + json.saved); })
      .catch(report);
  });
  $("class-qr-toggle").addEventListener("click", function () {
    var big = document.body.classList.toggle("class-qr-big");
    this.setAttribute("aria-pressed", String(big));
  });

  // ---- the live picture
  function bars(list, rows, total) {  // rows: [label, count, verdict]
    list.textContent = "";
    rows.forEach(function (row) {
      var li = S.el("li", "verdict-" + row[2]), bar = S.el("span", "bar"), fill = S.el("i");
      fill.style.width = (total ? 100 * row[1] / total : 0).toFixed(1) + "%";
      bar.appendChild(fill);
      li.appendChild(S.el("span", "label", row[0]));
      li.appendChild(bar);
      li.appendChild(S.el("span", "count", String(row[1])));
      list.appendChild(li);
    });
  }
  var MARKS = { right: "✓ right", close: "≈ close", wrong: "✗ wrong" };
  function show(st) {
    state = st;
    status("● live · question " + st.asked);
    C.text("class-students", String(st.students));
    C.text("class-connected", String(st.connected));
    C.text("class-refused", String(st.refused));
    C.text("class-refusals", Object.keys(st.refusals).map(function (r) { return r + " " + st.refusals[r]; }).join(" · "));
    $("class-free-nav").checked = st.free;
    if (st.saved) C.text("class-saved", "saved to " + st.saved);
    var q = st.question;
    $("class-question").hidden = !q;
    $("class-reveal").disabled = !q || q.revealed;
    if (!q) return;
    C.text("class-q-text", q.text);
    C.text("class-answered", st.answered + " of " + st.students + " answered" +
      (q.revealed ? " · revealed: " + (q.answer || "no answer given") : " · answer " + (q.answer || "none given")));
    $("class-verdicts").hidden = !q.has_answer;
    bars($("class-verdicts"), ["right", "close", "wrong"].map(function (v) { return [MARKS[v], q.verdicts[v], v]; }), st.answered);
    bars($("class-values"), q.values, st.answered);
    C.text("class-others", q.others ? q.others + " other answers" : "");
  }
})(tgmmClass);
