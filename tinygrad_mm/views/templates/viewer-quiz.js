// Step-through viewer, part 3 of 4: quiz mode — type the gradient a step produces before it is revealed.
// An answer within half a unit of the last shown digit is right; a wrong one gets a hint (the chain rule with
// the numbers) and another try; a second wrong answer reveals the step.  Keyboard only: the answer box has
// the focus, Enter checks, Esc reveals.
(function (S) {
  var data = S.data, $ = S.$;
  var answers = {};  // engine step → "right", "right after a hint", "wrong" or "revealed"
  var score = { right: 0, asked: 0 }, tries = 0;

  // is the next backward step one to ask about?  (not the seed, not a collapsed box, not answered yet)
  S.shouldAsk = function (p) {
    if (!data.quiz) return false;
    var b = p - S.F();
    if (b < 1 || b > S.N()) return false;
    var step = S.V().steps[b - 1], full = S.full(step);
    return !!(full && full.quiz && answers[step.t] === undefined);
  };

  S.ask = function (b) {  // b: the view step about to be revealed (0-based)
    var full = S.full(S.V().steps[b]);
    S.asking = b; tries = 0;
    $("quiz").hidden = false;
    $("quiz-question").textContent = "Step " + (b + 1) + ": what does backprop find for " + full.quiz.question +
      " (" + data.nodes[full.node].name + "'s gradient, the sum of what its uses sent)";
    $("quiz-answer").value = "";
    $("quiz-feedback").textContent = "";
    $("quiz-hint").textContent = "";
    S.render(); S.panel(); showScore();
    ["step-lines", "step-received", "summary"].forEach(function (id) { $(id).textContent = ""; });
    $("step-gate").hidden = true; $("quiz-result").hidden = true; $("step-grad").textContent = "";
    $("step-note").textContent = "The gradient of the outlined node is hidden until you answer.";
    $("quiz").hidden = false;
    $("step-title").textContent = "Your turn: step " + (b + 1) + " of " + S.N();
    $("quiz-answer").focus();
  };

  function parse(text) {  // "−0.5", "-0.5", "-.5", "1,5", "-4.5e-6"; NaN if it is not a number
    var t = text.trim().replace(/\u2212/g, "-").replace(/\s/g, "");
    if (t.indexOf(",") >= 0 && t.indexOf(".") < 0) t = t.replace(",", ".");
    return t === "" || !/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t) ? NaN : Number(t);
  }

  function finish(result) {
    var step = S.V().steps[S.asking];
    answers[step.t] = result;
    score.asked += 1;
    if (result.indexOf("right") === 0) score.right += 1;
    S.asking = null;
    $("quiz-answer").blur();  // the keys step again
    $("quiz").hidden = true;
    S.go(S.F() + S.V().steps.indexOf(step) + 1, true);
  }

  S.check = function () {
    if (S.asking === null) return;
    var full = S.full(S.V().steps[S.asking]), value = parse($("quiz-answer").value);
    if (isNaN(value)) { $("quiz-feedback").textContent = "Type a number, e.g. −0.5 or 1.25e−3."; return; }
    if (Math.abs(value - full.grad_exact) <= full.quiz.tol) { finish(tries === 0 ? "right" : "right after a hint"); return; }
    tries += 1;
    if (tries === 1) {
      $("quiz-feedback").textContent = "✗ Not quite. Hint — the chain rule with the numbers; try again:";
      full.quiz.hint.forEach(function (line) { $("quiz-hint").appendChild(S.el("li", "", line)); });
      $("quiz-answer").select();
    } else {
      finish("wrong");
    }
  };
  S.reveal = function () { if (S.asking !== null) finish("revealed"); };

  S.quizResult = function (t) {  // after a revealed step: how the answer went
    var result = answers[t], line = $("quiz-result");
    if (!data.quiz || result === undefined) return;
    var full = data.steps[t];
    line.hidden = false;
    line.className = "quiz-result " + (result.indexOf("right") === 0 ? "right" : "wrong");
    line.textContent = (result.indexOf("right") === 0 ? "✓ " + result + ": " : "✗ " + result + ": the answer is ") +
      full.quiz.question.replace("?", full.grad);
  };

  function showScore() {
    if (!data.quiz) return;
    var el = $("quiz-score");
    el.hidden = false;
    el.textContent = "Score " + score.right + " / " + score.asked;
  }
  S.showScore = showScore;

  $("quiz").addEventListener("submit", function (ev) { ev.preventDefault(); S.check(); });
  $("quiz-reveal").addEventListener("click", S.reveal);
  $("quiz-answer").addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") { ev.preventDefault(); S.reveal(); }
  });
})(tgmm);
