// Step-through viewer, part 3 of 4: quiz mode — answer a step's questions before it is revealed.
// The questions of a step (views/quiz.py): at a gate, "is it open?" and each local derivative (the seeds' question);
// at a shared leaf, what it receives via one branch; then the node's gradient (not with --quiz seeds).
// A number within half a unit of the last shown digit is right; a wrong one gets a hint and another try; a second
// wrong answer reveals it.  Yes/no questions get one try.  Jumping ahead (End, the scrubber, a click) skips the
// questions passed over: they count as skipped in the score.  The last step shows a summary of every question.
// Keyboard only: the answer box has the focus, Enter checks, Esc reveals.
(function (S) {
  var data = S.data, $ = S.$;
  var results = {}, order = [];  // question id → "right", "right after a hint", "wrong", "revealed", "skipped"; ids in order asked
  var asked = {}, tries = 0;  // question id → the question (for the summary)

  function questionsOf(t) {  // every question of engine step t, in the order asked
    var full = data.steps[t], list = (data.questions && data.questions[String(t)]) || [];
    if (full && full.quiz && data.quiz !== "seeds") {
      list = list.concat([{ id: "grad" + t, kind: "number", answer: full.grad_exact, tol: full.quiz.tol, hint: full.quiz.hint,
        question: "what does backprop find for " + full.quiz.question + " (" + data.nodes[full.node].name +
          "'s gradient, the sum of what its uses sent)", gradient: true, explain: full.quiz.question.replace("?", full.grad) }]);
    }
    return list;
  }
  function pending(t) { return questionsOf(t).filter(function (q) { return results[q.id] === undefined; }); }

  // is the next backward step one with questions still to answer?
  S.shouldAsk = function (p) {
    if (!data.quiz) return false;
    var b = p - S.F();
    if (b < 1 || b > S.N()) return false;
    var step = S.V().steps[b - 1];
    return step.t !== undefined && pending(step.t).length > 0;
  };

  S.ask = function (b, feedback) {  // b: the view step about to be revealed (0-based); its first unanswered question
    var step = S.V().steps[b], q = pending(step.t)[0];
    S.asking = b; S.question = q; tries = 0;
    S.render(); S.panel(); showScore();
    ["step-lines", "step-received", "summary"].forEach(function (id) { $(id).textContent = ""; });
    $("step-gate").hidden = true; $("quiz-result").hidden = true; $("quiz-summary").hidden = true; $("step-grad").textContent = "";
    $("step-note").textContent = q.gradient ? "The gradient of the outlined node is hidden until you answer."
      : "Answer before the step is revealed.";
    $("quiz").hidden = false;
    $("quiz-question").textContent = "Step " + (b + 1) + ": " + q.question;
    $("quiz-answer").value = "";
    $("quiz-answer").setAttribute("inputmode", q.kind === "yesno" ? "text" : "decimal");
    $("quiz-feedback").textContent = feedback || "";
    $("quiz-hint").textContent = "";
    $("step-title").textContent = "Your turn: step " + (b + 1) + " of " + S.N();
    $("quiz-answer").focus();
  };

  function parse(text) {  // "−0.5", "-0.5", "-.5", "1,5", "-4.5e-6"; NaN if it is not a number
    var t = text.trim().replace(/\u2212/g, "-").replace(/\s/g, "");
    if (t.indexOf(",") >= 0 && t.indexOf(".") < 0) t = t.replace(",", ".");
    return t === "" || !/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t) ? NaN : Number(t);
  }
  function yesNo(text) {  // true, false, or null
    var t = text.trim().toLowerCase();
    return /^(y|yes|open|true)$/.test(t) ? true : /^(n|no|closed|false)$/.test(t) ? false : null;
  }
  function line(q, result) {  // "✓ right: ∂J/∂s = −1", "✗ wrong: the answer is …"
    var ok = result.indexOf("right") === 0;
    if (q.gradient) return (ok ? "✓ " + result + ": " : "✗ " + result + ": the answer is ") + q.explain;
    var answer = q.kind === "yesno" ? (q.answer ? "yes — " : "no — ") : "";
    return (ok ? "✓ " : "✗ ") + result + ": " + answer + q.explain;
  }

  function finish(result) {
    var b = S.asking, step = S.V().steps[b], q = S.question;
    record(q, result);
    S.asking = null; S.question = null;
    $("quiz-answer").blur();  // the keys step again
    $("quiz").hidden = true;
    if (pending(step.t).length) { S.ask(b, line(q, result)); S.fitPanel(); return; }  // the step's next question
    S.go(S.F() + b + 1, true);
  }
  function record(q, result) {
    if (results[q.id] !== undefined) return;
    results[q.id] = result; asked[q.id] = q; order.push(q.id);
  }

  S.check = function () {
    if (S.asking === null) return;
    var q = S.question, text = $("quiz-answer").value;
    if (q.kind === "yesno") {
      var said = yesNo(text);
      if (said === null) { $("quiz-feedback").textContent = "Type y (yes) or n (no)."; return; }
      finish(said === q.answer ? "right" : "wrong");
      return;
    }
    var value = parse(text);
    if (isNaN(value)) { $("quiz-feedback").textContent = "Type a number, e.g. −0.5 or 1.25e−3."; return; }
    if (Math.abs(value - q.answer) <= q.tol) { finish(tries === 0 ? "right" : "right after a hint"); return; }
    tries += 1;
    if (tries === 1) {
      $("quiz-feedback").textContent = "✗ Not quite. Hint — the chain rule with the numbers; try again:";
      q.hint.forEach(function (h) { $("quiz-hint").appendChild(S.el("li", "", h)); });
      $("quiz-answer").select();
    } else {
      finish("wrong");
    }
  };
  S.reveal = function () { if (S.asking !== null) finish("revealed"); };

  // jumping from `from` to `to` backward steps done (End, the scrubber, a click): every question passed over is skipped
  S.skipQuestions = function (from, to) {
    if (!data.quiz) return;
    var steps = S.V().steps;
    for (var b = from; b < Math.min(to, steps.length); b++) {
      if (steps[b].t !== undefined) pending(steps[b].t).forEach(function (q) { record(q, "skipped"); });
    }
  };

  S.quizResult = function (t) {  // after a revealed step: how its answers went
    var el = $("quiz-result"), lines = [], ok = true;
    if (!data.quiz) return;
    questionsOf(t).forEach(function (q) {
      if (results[q.id] === undefined) return;
      lines.push(line(q, results[q.id]));
      ok = ok && results[q.id].indexOf("right") === 0;
    });
    if (!lines.length) return;
    el.hidden = false;
    el.className = "quiz-result " + (ok ? "right" : "wrong");
    el.textContent = lines.join("\n");
  };

  function tally() {
    var n = { right: 0, hinted: 0, wrong: 0, revealed: 0, skipped: 0 };
    order.forEach(function (id) {
      var r = results[id];
      if (r === "right") n.right++; else if (r === "right after a hint") n.hinted++; else n[r]++;
    });
    n.score = n.right + n.hinted; n.total = order.length;
    return n;
  }
  function showScore() {
    if (!data.quiz) return;
    var el = $("quiz-score"), n = tally();
    el.hidden = false;
    el.textContent = "Score " + n.score + " / " + n.total + (n.skipped ? " · " + n.skipped + " skipped" : "");
  }
  S.showScore = showScore;

  S.quizSummary = function () {  // at the last step: every question and how it went
    var box = $("quiz-summary");
    box.textContent = "";
    box.hidden = !(data.quiz && S.asking === null && S.done() === S.N() && order.length);
    if (box.hidden) return;
    var n = tally();
    box.appendChild(S.el("h3", "", "Quiz done: " + n.score + " of " + n.total + " right" +
      (n.hinted ? " (" + n.hinted + " after a hint)" : "") + (n.wrong ? ", " + n.wrong + " wrong" : "") +
      (n.revealed ? ", " + n.revealed + " revealed" : "") + (n.skipped ? ", " + n.skipped + " skipped" : "")));
    var list = S.el("ol");
    order.forEach(function (id) {
      var r = results[id], q = asked[id];
      list.appendChild(S.el("li", r.indexOf("right") === 0 ? "right" : r, (r.indexOf("right") === 0 ? "✓ " : "✗ ") + r + " — " +
        q.question.replace(/ \(.*\)$/, "")));
    });
    box.appendChild(list);
  };

  $("quiz").addEventListener("submit", function (ev) { ev.preventDefault(); S.check(); });
  $("quiz-reveal").addEventListener("click", S.reveal);
  $("quiz-answer").addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") { ev.preventDefault(); S.reveal(); }
  });
})(tgmm);
