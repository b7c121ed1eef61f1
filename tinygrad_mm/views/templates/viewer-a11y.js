// Step-through viewer, accessibility (loaded last): the graph by keyboard, steps announced, reduced motion for Play.
// - Tab reaches the graph (one node at a time is in the tab order: the current one); the arrow keys move between
//   its nodes and boxes, Home/End to the first/last; Enter or Space does what a click does (jump to the node's step,
//   open a box).
// - Each move is announced once, briefly, by a status region (role="status", aria-live="polite"): the counter, the
//   step's title and gradient.  The panel itself is not live, so a screen reader does not read it all at each step.
// - "reduce motion" (on by default when the system asks for reduced motion): Play holds each step four times as long
//   (at most ¼× the pace) and the view scrolls to the current node only when it is off screen.
(function (S) {
  var $ = S.$;

  // ---- the style these parts need (the page's CSP allows inline style)
  var style = document.createElement("style");
  style.textContent = ".sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); " +
    "white-space: nowrap; }\n#graph g[tabindex]:focus { outline: none; }\n" +
    "#graph g[tabindex]:focus-visible path, #graph g[tabindex]:focus-visible polygon, #graph g[tabindex]:focus-visible " +
    "ellipse { stroke: #000; stroke-width: 4px; stroke-dasharray: none; }";
  document.head.appendChild(style);

  // ---- announcements
  var status = S.el("p", "sr-only");
  status.id = "step-status";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  status.setAttribute("aria-atomic", "true");
  document.body.appendChild(status);
  $("panel").setAttribute("aria-live", "off");
  function announce() {
    status.textContent = [$("counter").textContent, $("step-title").textContent, $("step-grad").textContent]
      .filter(function (t) { return t; }).join(". ");
  }

  // ---- the graph by keyboard: a roving tab stop over the units a click can act on
  function actionable(unit) {
    var V = S.V(), id = unit.id, node = /^v\d+op$/.test(id) ? id.slice(0, -2) : id;
    return V.expand[id] !== undefined || V.collapse[id] !== undefined || S.stepOfUnit(node) >= 0;
  }
  function targets() {
    return S.units.filter(actionable).map(function (u) { return u.el; });
  }
  function describe(el) {
    var words = [].map.call(el.querySelectorAll("text"), function (t) { return t.textContent.trim(); })
      .filter(function (t) { return t && t.indexOf("#slot:") !== 0; });
    var V = S.V(), what = V.expand[el.id] !== undefined ? "open this box" : V.collapse[el.id] !== undefined
      ? "close this box" : "go to its backward step";
    return (words.join(" ") || el.id) + ". Enter: " + what;
  }
  S.relabel = function (el) { if (el.hasAttribute("aria-label")) el.setAttribute("aria-label", describe(el)); };  // a live edit
  function prepare() {  // after a drawing is shown: every actionable unit focusable, named, out of the tab order
    targets().forEach(function (el) {
      el.setAttribute("tabindex", "-1");
      el.setAttribute("role", "button");
      el.setAttribute("aria-label", describe(el));
    });
    rove();
  }
  function rove() {  // the tab stop follows the current node (or the first one): only the old and the new stop change
    var current = S.graph.querySelector("g.current[tabindex], g.op-current[tabindex]") || S.graph.querySelector("g[tabindex]");
    var stops = S.graph.querySelectorAll('g[tabindex="0"]');
    for (var n = 0; n < stops.length; n++) if (stops[n] !== current) stops[n].setAttribute("tabindex", "-1");
    if (current && current.getAttribute("tabindex") !== "0") current.setAttribute("tabindex", "0");
  }
  function focusUnit(el) {
    targets().forEach(function (other) { other.setAttribute("tabindex", other === el ? "0" : "-1"); });
    el.focus();
  }
  S.graph.addEventListener("keydown", function (ev) {
    var el = ev.target.closest ? ev.target.closest("g[tabindex]") : null;
    if (!el || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    var list = targets(), k = list.indexOf(el), moves = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
    var to = null;
    if (moves[ev.key]) to = list[(k + moves[ev.key] + list.length) % list.length];
    else if (ev.key === "Home") to = list[0];
    else if (ev.key === "End") to = list[list.length - 1];
    else if (ev.key !== "Enter" && ev.key !== " ") return;
    ev.preventDefault();
    ev.stopPropagation();  // the page's own keys (← → step, Space play) do not apply while a node has the focus
    if (to) { focusUnit(to); return; }
    var id = el.id;
    el.dispatchEvent(new MouseEvent("click", { bubbles: true }));
    var again = document.getElementById(id);  // a box opened or closed: the drawing was replaced
    focusUnit(again && again.hasAttribute("tabindex") ? again : (targets()[0] || S.graph));
  });

  // ---- reduced motion for Play
  var label = S.el("label", "option"), box = document.createElement("input");
  box.type = "checkbox";
  box.id = "reduce-motion";
  label.title = "Reduce motion: Play holds each step longer (at most ¼× pace); the view scrolls only to keep the current node on screen";
  label.appendChild(box);
  label.appendChild(document.createTextNode(" reduce motion"));
  $("speed").closest("label").insertAdjacentElement("afterend", label);
  function reduce(on) {
    box.checked = on;
    document.body.classList.toggle("reduced-motion", on);
    S.maxSpeed = on ? 0.25 : Infinity;
    if (S.timer) { $("play").click(); $("play").click(); }  // a running Play picks up the new pace
  }
  var query = window.matchMedia ? window.matchMedia("(prefers-reduced-motion: reduce)") : null;
  box.addEventListener("change", function () { reduce(box.checked); });
  if (query && query.addEventListener) query.addEventListener("change", function () { reduce(query.matches); });
  reduce(!!(query && query.matches));

  // ---- hooks: after every move and every new drawing
  var go = S.go, showView = S.showView;
  S.go = function () { var out = go.apply(S, arguments); rove(); announce(); return out; };
  S.showView = function () { var out = showView.apply(S, arguments); prepare(); return out; };
  prepare();
  announce();
})(tgmm);
