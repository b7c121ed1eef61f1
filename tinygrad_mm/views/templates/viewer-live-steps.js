// Step-through viewer, part 5c: the live page's step records after an edit — what each backward step changes on the
// drawing (the units' states, the edges, the gradient badges), as views/step_state.step_changes computes them in
// Python. The first edit recomputes every record; later edits replay only the slots whose badge changed (each slot's
// states depend on its own badges and on the order of the steps, never on another slot's), and the edges of the steps
// whose "sent 0?" changed. tests/test_live_page.py and test_live_refresh.py compare the fold with Python's.
(function (S) {
  var data = S.data, L = S.live, live = data.live;
  if (!live || live.off) return;
  var lastRaw = {}, index = {};  // per view: the records' raw changes at the last edit; which records look at each key
  function num(x) { return L.num(x); }
  function isConstant(i) { return L.nodes[i].op === undefined && !L.nodes[i].edit; }
  L.forgetViews = function () { lastRaw = {}; };

  L.rewriteView = function (k, steps, grad) {  // the fold's records of view k, with the new numbers (page_views.ViewSteps)
    var V = data.views[k], lv = live.views[k], last = lastRaw[k], nodes = L.nodes, order = live.order, N = nodes.length;
    var running = new Float64Array(N), received = new Int32Array(N), norms = {}, prefix = lv.prefix, slotOf = lv.slotOf;
    Object.keys(lv.groups).forEach(function (gid) { norms[gid] = 0; });
    var records = V.steps, raw = [];
    for (var r = 0; r < records.length; r++) {
      var rec = records[r], ts = rec.t !== undefined ? [rec.t] : rec.covers, changed = [], groups = {}, folded = {};
      for (var a = 0; a < ts.length; a++) {
        var t = ts[a], i = order[t], st = steps[t], ps = nodes[i].parents || [];
        if (t === 0) { running[i] = st.g; changed.push(i); }
        for (var j = 0; j < ps.length; j++) {
          var p = ps[j];
          if (rec.t === undefined && rec.u.indexOf("leaves") !== 0 && lv.unitOf[p] !== rec.u) {  // an edge out of a box
            var key = lv.unitOf[p] + "-" + rec.u;
            folded[key] = (folded[key] === undefined || folded[key]) && st.c[j] === 0;
          }
          if (isConstant(p)) continue;
          var before = running[p];
          running[p] = before + st.c[j];
          received[p] += 1;
          var slot = slotOf[p];
          if (slot !== undefined && norms[slot] !== undefined) norms[slot] += running[p] * running[p] - before * before;
          if (changed.indexOf(p) < 0) changed.push(p);
        }
      }
      var badges = [], lastBadges = last ? last[r].badges : [];
      var kept = function (slot, text, exact, final) {  // the last edit's badge, if nothing in it changed
        var old = lastBadges[badges.length];
        return old && old[0] === slot && old[1] === text && old[2] === exact && old[3] === (final ? "final" : "partial") ? old : null;
      };
      for (var c = 0; c < changed.length; c++) {
        var q = changed[c], where = slotOf[q];
        if (where === undefined) continue;
        if (norms[where] !== undefined) { groups[where] = true; continue; }
        var final = received[q] === data.nodes[q].uses || q === data.root, exact = final ? grad[q] : running[q];
        var text = "grad " + (final ? L.gradText(q, exact) : num(exact) + " …");  // final: the digits that add up
        badges.push(kept(where, text, exact, final) || [where, text, exact, final ? "final" : "partial"]);
      }
      Object.keys(groups).sort().forEach(function (gid) {
        var members = lv.groups[gid], final = members.every(function (i) { return received[i] === data.nodes[i].uses; });
        var norm = final ? Math.sqrt(members.reduce(function (sum, i) { return sum + grad[i] * grad[i]; }, 0)) : Math.sqrt(Math.max(norms[gid], 0));
        var said = (prefix[gid] || gid) + " = " + num(norm) + (final ? "" : " …");
        badges.push(kept(gid, said, norm, final) || [gid, said, norm, final ? "final" : "partial"]);
      });
      var edges = [];
      if (rec.t !== undefined) {  // e{i}_k for each input, then e{i}_out: sent 0?
        var sent = steps[rec.t].c, all = 1;
        for (var e = 0; e < sent.length; e++) { edges.push(["e" + order[rec.t] + "_" + e, sent[e] === 0 ? 1 : 0]); all = all && sent[e] === 0 ? 1 : 0; }
        if (sent.length) edges.push(["e" + order[rec.t] + "_out", all]);
        rec.zero = steps[rec.t].g === 0;
      } else {
        Object.keys(folded).forEach(function (key) { edges.push([key, folded[key] ? 1 : 0]); });
      }
      raw.push({ badges: badges, edges: edges });
    }
    var quiz = data.quiz !== false && !!data.quiz;
    if (last) replay(k, records, raw, last, V.slotUnit || {}, quiz);
    else {
      var changes = stepChanges(records, raw, V.slotUnit || {}, quiz);
      for (var n = 0; n < records.length; n++) records[n].show = changes[n];
    }
    lastRaw[k] = raw;
  };

  // views/step_state.step_changes, for the recomputed records: what each step changes on the drawing (units, edges,
  // badges; null removes). tests/test_live_page.py compares window.tinygradSteps after an edit with Python's.
  function stepChanges(records, raw, owner, quiz) {
    var owned = {}, badges = {}, done = {}, shown = { units: {}, edges: {}, badges: {} }, current = {}, previousRaw = { edges: [] }, out = [];
    Object.keys(owner).forEach(function (slot) { (owned[owner[slot]] = owned[owner[slot]] || []).push(slot); });
    function ownerOf(slot) { return owner[slot] !== undefined ? owner[slot] : slot; }
    function badge(slot) {
      var b = badges[slot];
      if (!b || (quiz && !done[ownerOf(slot)])) return null;
      return (current.current || []).indexOf(slot) >= 0 ? [b[0], b[1], "current"] : b;
    }
    function unit(u) {
      if (u === current.u || (current.t !== undefined && u === current.u + "op")) return "current";
      var b = badge(u);
      if (b !== null) return b[2] !== "current" ? b[2] : badges[u][2];
      return done[u] ? "final" : null;
    }
    function same(a, b) {
      if (a === undefined) a = null;
      if (a === null || b === null || typeof a !== "object") return a === b;
      return a.length === b.length && a.every(function (x, n) { return x === b[n]; });
    }
    function update(change, shownPart, keys, valueOf) {
      Object.keys(keys).sort().forEach(function (key) {
        if (!key) return;
        var value = valueOf(key);
        if (!same(shownPart[key], value)) {
          change[key] = value;
          if (value === null) delete shownPart[key]; else shownPart[key] = value;
        }
      });
    }
    records.forEach(function (record, r) {
      var previous = current, units = {}, slots = {};
      current = record;
      [record.u, record.u + "op", previous.u || "", (previous.u || "") + "op"].forEach(function (u) { units[u] = true; });
      (previous.current || []).concat(record.current).forEach(function (slot) { slots[slot] = true; });
      done[record.u] = true;
      raw[r].badges.forEach(function (b) { badges[b[0]] = [b[1], b[2], b[3]]; slots[b[0]] = true; });
      if (quiz) (owned[record.u] || []).forEach(function (slot) { slots[slot] = true; });
      Object.keys(slots).forEach(function (slot) { units[slot] = true; });
      var change = { units: {}, edges: {}, badges: {} };
      previousRaw.edges.forEach(function (e) { if (!e[1]) change.edges[e[0]] = "done"; });
      raw[r].edges.forEach(function (e) { change.edges[e[0]] = e[1] ? "zero" : "now"; });
      update(change.units, shown.units, units, unit);
      update(change.badges, shown.badges, slots, badge);
      Object.assign(shown.edges, change.edges);
      previousRaw = raw[r];
      out.push(change);
    });
    return out;
  }

  // ---- the records of the last edit, replayed for the slots that changed
  function keysOf(records, raw, owner, quiz) {  // per key: [record, is it one of the record's slots?] in step order
    var owned = {}, keys = {};
    Object.keys(owner).forEach(function (slot) { (owned[owner[slot]] = owned[owner[slot]] || []).push(slot); });
    records.forEach(function (record, r) {
      var previous = r > 0 ? records[r - 1] : {}, slots = {}, units = {};
      (previous.current || []).concat(record.current).forEach(function (slot) { slots[slot] = true; });
      raw[r].badges.forEach(function (b) { slots[b[0]] = true; });
      if (quiz) (owned[record.u] || []).forEach(function (slot) { slots[slot] = true; });
      [record.u, record.u + "op", previous.u || "", (previous.u || "") + "op"].forEach(function (u) { units[u] = true; });
      Object.keys(slots).forEach(function (slot) { units[slot] = true; });
      Object.keys(units).forEach(function (key) { if (key) (keys[key] = keys[key] || []).push([r, !!slots[key]]); });
    });
    return keys;
  }
  function replay(k, records, raw, last, owner, quiz) {
    var dirty = {}, edgesChanged = {};
    for (var r = 0; r < records.length; r++) {
      raw[r].badges.forEach(function (b, n) { if (b !== last[r].badges[n]) dirty[b[0]] = true; });
      var now = raw[r].edges, then = last[r].edges;
      for (var e = 0; e < now.length; e++) if (now[e][1] !== then[e][1]) { edgesChanged[r] = true; edgesChanged[r + 1] = true; break; }
    }
    Object.keys(edgesChanged).forEach(function (r) {  // as step_changes: the previous step's edges "done", this step's now or zero
      r = Number(r);
      if (r >= records.length) return;
      var edges = {};
      if (r > 0) raw[r - 1].edges.forEach(function (e) { if (!e[1]) edges[e[0]] = "done"; });
      raw[r].edges.forEach(function (e) { edges[e[0]] = e[1] ? "zero" : "now"; });
      records[r].show.edges = edges;
    });
    var slots = Object.keys(dirty);
    if (!slots.length) return;
    if (!index[k]) {
      var doneAt = {};  // the step at which each unit is done
      for (var d = records.length - 1; d >= 0; d--) doneAt[records[d].u] = d;
      index[k] = { keys: keysOf(records, raw, owner, quiz), doneAt: doneAt };
    }
    var keys = index[k].keys;
    slots.forEach(function (slot) { replaySlot(slot, keys[slot] || [], records, raw, owner, quiz, index[k].doneAt); });
  }
  function replaySlot(slot, seen, records, raw, owner, quiz, doneAt) {  // step_changes for one key: its unit and its badge
    var latest = null, shownUnit = null, shownBadge = null, mine = owner[slot] !== undefined ? owner[slot] : slot;
    function same(a, b) {
      if (a === null || b === null || typeof a !== "object") return a === b;
      return a.length === b.length && a.every(function (x, n) { return x === b[n]; });
    }
    function write(part, value, shown, r) {
      if (same(shown, value)) { delete records[r].show[part][slot]; return shown; }
      records[r].show[part][slot] = value;
      return value;
    }
    seen.forEach(function (entry) {
      var r = entry[0], record = records[r], badge = null, unit;
      raw[r].badges.forEach(function (b) { if (b[0] === slot) latest = [b[1], b[2], b[3]]; });
      if (latest && !(quiz && !(doneAt[mine] <= r))) badge = record.current.indexOf(slot) >= 0 ? [latest[0], latest[1], "current"] : latest;
      if (slot === record.u || (record.t !== undefined && slot === record.u + "op")) unit = "current";
      else if (badge !== null) unit = badge[2] !== "current" ? badge[2] : latest[2];
      else unit = doneAt[slot] <= r ? "final" : null;
      shownUnit = write("units", unit, shownUnit, r);
      if (entry[1]) shownBadge = write("badges", badge, shownBadge, r);
    });
  }
})(tgmm);
