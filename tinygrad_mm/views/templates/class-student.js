// Class mode, a student's page: it follows the teacher's view and step (read-only unless the teacher frees
// navigation), shows the question asked, sends this student's answer once, and says whether it was right.
(function (C) {
  var S = C.S, $ = S.$, store = "tgmm-class-student:" + C.secret;
  var token = sessionStorage.getItem(store), state = null, live = false, asked = null;
  var NAV = { ArrowRight: 1, ArrowLeft: 1, Home: 1, End: 1, " ": 1, c: 1, C: 1, x: 1, X: 1 };

  document.body.classList.add("class-student", "class-locked");
  function locked() { return !state || !state.free; }
  // while the teacher leads, the keys and clicks that move the page stop here, before the page sees them
  window.addEventListener("keydown", function (ev) {
    var tag = ev.target && ev.target.tagName;
    if (locked() && NAV[ev.key] && tag !== "INPUT") { ev.stopPropagation(); ev.preventDefault(); }
  }, true);
  ["click", "pointerdown"].forEach(function (type) {  // pointerdown: dragging a value on the live page
    document.addEventListener(type, function (ev) {
      var on = ev.target.closest && ev.target.closest("#graph, #reset, #prev, #play, #next, #collapse-all, #expand-all, #live");
      if (on && locked()) { ev.stopPropagation(); ev.preventDefault(); }
    }, true);
  });

  function status() {
    C.text("class-status", !live ? "… reconnecting to the class" : locked() ? "● following the teacher"
      : "● free: step on your own");
  }
  function follow() {
    C.setEdits(state.edits);  // the numbers first (the live page re-renders), then the view and step
    C.apply(state.view, state.pos);
    var q = state.question;
    if (q && q.kind === "step" && !q.revealed && q.view === S.view && S.pos === S.F() + q.step) {
      S.asking = q.step;  // the page outlines the node asked about, its gradient hidden
      S.render();
    }
  }
  function onState(st) {
    var wasFree = state && state.free;
    state = st;
    document.body.classList.toggle("class-locked", !st.free);
    $("scrub").disabled = !st.free;
    $("class-follow").hidden = !st.free;
    if (!st.free || !wasFree) follow();
    status();
    question();
  }
  $("class-follow").addEventListener("click", follow);

  var MARK = { right: "✓ Right", close: "≈ Close", wrong: "✗ Not this time" };
  function question() {
    var q = state.question, you = state.you, form = $("class-form");
    form.hidden = !q || q.revealed;
    if (!q) { C.text("class-feedback", ""); return; }
    C.text("class-question", q.text);
    $("class-answer").disabled = $("class-send").disabled = !!you;
    if (!q.revealed) {
      $("class-feedback").className = "class-feedback";
      C.text("class-feedback", you ? "✓ Sent: " + you.answer + " — wait for the teacher to reveal." : "");
      if (asked !== q.number) {  // a new question: an empty box, ready to type in
        asked = q.number;
        $("class-answer").value = "";
        if (!you) $("class-answer").focus();
      }
      return;
    }
    var answer = q.has_answer ? "the answer is " + q.answer : "the question had no single answer";
    var line = !you ? "You did not answer; " + answer + "."
      : you.verdict === "answered" ? "You said " + you.answer + "; " + answer + "."
      : MARK[you.verdict] + (you.verdict === "right" ? ": " + answer + "." : ": you said " + you.answer + "; " + answer + ".");
    C.text("class-feedback", line);
    $("class-feedback").className = "class-feedback " + (you ? "verdict-" + you.verdict : "");
  }
  $("class-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var q = state && state.question;
    if (!q || q.revealed) return;
    C.post("/api/answer", { student: token, question: q.number, answer: $("class-answer").value, name: $("class-name").value })
      .then(function () {
        state.you = { answer: $("class-answer").value.trim(), verdict: null };
        question();
      })
      .catch(function (error) { C.text("class-feedback", "✗ " + error.message); });
  });

  function listen() {
    C.listen(function () { return "/api/events?student=" + encodeURIComponent(token); }, onState, function (what) {
      live = what === "live";
      if (state) status();
    });
  }
  if (token) listen();
  else C.post("/api/join", { code: C.secret }).then(function (json) {
    token = json.student;
    sessionStorage.setItem(store, token);
    listen();
  }).catch(function (error) { C.text("class-status", "✗ " + error.message); });
})(tgmmClass);
