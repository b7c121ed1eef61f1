// Class mode (tinygrad-mm class), shared by the teacher's and the students' pages: the server's JSON API,
// its event stream, and moving this page to a view and step through the page's own functions (tgmm).
// Every text shown is set with textContent; nothing from the server is ever parsed as HTML.
"use strict";
var tgmmClass = (function (S) {
  var C = { S: S, secret: decodeURIComponent(location.pathname.split("/")[2] || "") };

  C.post = function (path, body) {  // → the JSON answer; a refusal rejects with the server's sentence
    return fetch(path, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
      cache: "no-store", credentials: "omit"
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        if (response.ok) return json;
        var error = new Error(json.error || "the class server refused (HTTP " + response.status + ")");
        error.status = response.status;
        throw error;
      });
    });
  };

  // The event stream.  Every event is the whole current state, so after a drop the first event puts the page
  // back where the class is.  EventSource reconnects by itself after a network error; when the server refused
  // the stream (it is CLOSED) we try again after 3 s, asking url() again (the teacher may have a new token).
  C.listen = function (url, onState, onStatus) {
    var source = null;
    function open() {
      source = new EventSource(url());
      source.addEventListener("state", function (ev) { onStatus("live"); onState(JSON.parse(ev.data)); });
      source.onerror = function () {
        if (source.readyState === EventSource.CLOSED) { onStatus("closed"); setTimeout(open, 3000); }
        else onStatus("reconnecting");
      };
    }
    open();
  };

  // Show view `view` after `pos` steps, as the page itself does when a box is opened or a step is taken.
  C.apply = function (view, pos) {
    if (view !== S.view && document.getElementById("view-" + view)) {
      S.switchView(view, null);
      S.fit(Math.min(S.zoom, 1));
    }
    if (pos !== S.pos || S.asking !== null) S.go(pos, true);
  };

  // The live page's edits (when the page has one, views/live.py): a name → the value it was given, for those changed.
  C.edits = function () {
    var L = S.live, edits = {};
    if (!L || !L.ready) return edits;
    Object.keys(L.targets).forEach(function (name) {
      var v = L.value(name);
      if (v !== L.originalValue(name)) edits[name] = v;
    });
    return edits;
  };
  C.setEdits = function (edits) {  // make this page's edits the teacher's, through the live page's own L.set / L.reset
    var L = S.live;
    if (!L || !L.ready || !edits) return;
    var changed = Object.keys(L.targets).filter(function (name) {
      return (name in edits ? edits[name] : L.originalValue(name)) !== L.value(name);
    });
    if (!changed.length) return;
    if (!Object.keys(edits).length) { L.reset(); return; }
    changed.forEach(function (name) { L.set(name, name in edits ? edits[name] : L.originalValue(name)); });
  };

  C.text = function (id, text) { S.$(id).textContent = text; };
  return C;
})(tgmm);
