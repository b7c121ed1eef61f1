// Step-through viewer, part 5a: the live page's numbers, written as views/text.py writes them. fmtG is `number`
// (significant digits); a gradient that is a sum gets `places_to_add_up`: the fewest decimal places at which the shown
// terms add up to the shown total. Python's rounding is matched exactly: half to even, on the exact binary value.

// Python's format(x, ".{p}g") with the given minus sign (views/text.number)
function fmtG(x, p, minus) {
  if (x !== x) return "undefined";
  if (x === Infinity) return "∞";
  if (x === -Infinity) return minus + "∞";
  if (x === 0) return "0";
  var parts = x.toExponential(p - 1).split("e"), exp = Number(parts[1]), text;
  var strip = function (s) { return s.indexOf(".") < 0 ? s : s.replace(/0+$/, "").replace(/\.$/, ""); };
  if (exp < -4 || exp >= p) {
    text = strip(parts[0]) + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
  } else {
    text = strip(x.toFixed(Math.max(0, p - 1 - exp)));
  }
  if (Number(text) === 0) return "0";
  return text.replace(/-/g, minus);
}

var MAX_PLACES = 12;  // text.MAX_PLACES: past this many decimal places a sum is shown in significant digits

// text.decimal_exponent: ⌊log₁₀ |x|⌋ exactly, from 17 significant digits
function decimalExponent(x) { return Number(Math.abs(x).toExponential(16).split("e")[1]); }

// Python's round(x, places) (places may be negative): the exact value of x rounded half to even, as a double
function roundPlaces(x, places) {
  if (!isFinite(x) || x === 0) return x;
  var a = Math.abs(x), s = a < 1e21 ? a.toFixed(100) : BigInt(a).toString() + ".0";
  var point = s.indexOf("."), digits = s.slice(0, point) + s.slice(point + 1), cut = point + places;
  if (cut < 0) return x < 0 ? -0 : 0;
  var n = BigInt(digits.slice(0, cut) || "0"), next = digits.charAt(cut) || "0";
  if (next > "5" || (next === "5" && (/[1-9]/.test(digits.slice(cut + 1)) || n % BigInt(2) === BigInt(1)))) n += BigInt(1);
  var text = n.toString();
  if (places > 0) {
    while (text.length <= places) text = "0" + text;
    text = text.slice(0, text.length - places) + "." + text.slice(text.length - places);
  } else {
    for (var z = 0; z < -places; z++) text += "0";
  }
  return x < 0 ? -Number(text) : Number(text);
}

// text.places_format(places, digits): fixed decimal places, or (null) significant digits; typeset minus
function placesText(x, places, digits) {
  if (x === null || x === undefined) return "undefined";
  if (places === null || !isFinite(x)) return fmtG(x, digits, "−");
  var y = roundPlaces(x, places), keep = Math.max(places, 0);
  var text = Math.abs(y) < 1e21 ? y.toFixed(keep) : (y < 0 ? "-" : "") + BigInt(Math.abs(y)).toString();
  if (Number(text) === 0) text = (0).toFixed(keep);
  return text.replace(/-/g, "−");
}

// text.places_to_add_up: the fewest decimal places (the largest number and the total keeping `digits` significant
// digits) at which the rounded terms add up, left to right, to the rounded total and stay distinct; null past MAX_PLACES
function placesToAddUp(terms, total, digits) {
  var values = terms.concat([total]), largest = 0, k;
  for (k = 0; k < values.length; k++) {
    if (!isFinite(values[k])) return null;
    largest = Math.max(largest, Math.abs(values[k]));
  }
  if (largest === 0) return null;
  var start = digits - 1 - decimalExponent(largest);
  if (total) start = Math.max(start, digits - 1 - decimalExponent(total));
  var distinct = new Set(terms).size;
  for (var places = start; places <= MAX_PLACES; places++) {
    var shown = [], sum = 0;
    for (k = 0; k < terms.length; k++) { shown.push(roundPlaces(terms[k], places)); sum += shown[k]; }
    if (roundPlaces(sum, places) === roundPlaces(total, places) && new Set(shown).size === distinct) {
      var same = function (v) { return roundPlaces(v, places - 1) === roundPlaces(v, places); };
      while (places > 0 && values.every(same)) places--;
      return places;
    }
  }
  return null;
}

// page_data.StepText.places: decimal places for a sum of these terms (zeros left out); null when it is no sum (0 + x = x)
function sumPlaces(terms, total, digits) {
  var nonzero = terms.filter(function (t) { return t !== 0; });
  return nonzero.length > 1 && total !== null && total !== undefined ? placesToAddUp(nonzero, total, digits) : null;
}
