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

  C.text = function (id, text) { S.$(id).textContent = text; };
  return C;
})(tgmm);
