"use strict";
(function () {
  // The page's figures are F(x) = F0 + sum x_i a_i + sum [x_i != 0] L_i + sum x_i x_j b_ij,
  // with every term measured by cutsim's engine (docs/consultation.md).
  var data = JSON.parse(document.getElementById("cutsim-data").textContent);
  var MINUS = "\u2212";
  var SERIES = data.series, H = data.horizon, A = data.agencies.length;

  // ---- rounding exactly as cutsim.model.fmt does for residents: two significant figures, ties to even
  function decimalOf(x) {            // x > 0: digits D (BigInt) and exponent so x = D * 10^exp
    var s = x.toPrecision(21), parts = s.split("e"), ex = parts.length > 1 ? parseInt(parts[1], 10) : 0;
    var m = parts[0].split("."), frac = m.length > 1 ? m[1] : "";
    return { d: BigInt(m[0] + frac), e: ex - frac.length };
  }
  function roundTo(x, nd) {          // x >= 0 rounded half-to-even at 10^-nd: BigInt M, x ~ M * 10^-nd
    var q = decimalOf(x), shift = q.e + nd;
    if (shift >= 0) { return q.d * (10n ** BigInt(shift)); }
    var div = 10n ** BigInt(-shift), m = q.d / div, r = q.d % div, twice = 2n * r;
    if (twice > div || (twice === div && m % 2n === 1n)) { m += 1n; }
    return m;
  }
  function floorLog10(x) { return Math.floor(Math.log10(x)); }
  function toNumber(m, nd) {         // the double nearest M * 10^-nd, as Python's round() gives
    return nd > 0 ? Number(m) / Math.pow(10, nd) : Number(m) * Math.pow(10, -nd);
  }
  function withCommas(intText) { return intText.replace(/\B(?=(\d{3})+(?!\d))/g, ","); }
  function fixedText(m, nd) {        // BigInt m scaled by 10^-nd, as text with nd decimals
    var t = m.toString();
    if (nd <= 0) { return withCommas(t + "0".repeat(-nd)); }
    while (t.length <= nd) { t = "0" + t; }
    return withCommas(t.slice(0, t.length - nd)) + "." + t.slice(t.length - nd);
  }
  function trim(text) { return text.indexOf(".") >= 0 ? text.replace(/0+$/, "").replace(/\.$/, "") : text; }
  function roundSig(v, digits) { var nd = digits - 1 - floorLog10(v); return toNumber(roundTo(v, nd), nd); }
  function sigDecimals(r, digits) { return r === 0 ? 0 : Math.max(0, digits - 1 - floorLog10(r)); }
  function grouped(m, decimals) { return fixedText(roundTo(m, decimals), decimals); }
  function isZero(text) { return Number(text.replace(/,/g, "")) === 0; }
  var WORDS = [[1e9, "billion"], [1e6, "million"]];
  function inWords(r) {            // "2.1 million" for r >= 1e6, else null
    for (var i = 0; i < WORDS.length; i++) {
      if (r >= WORDS[i][0]) {
        var scaled = roundSig(r / WORDS[i][0], 2);
        return trim(grouped(scaled, sigDecimals(scaled, 2))) + " " + WORDS[i][1];
      }
    }
    return null;
  }
  // cutsim.model.fmt.resident_money: two significant figures, pence only below £10
  function money(v) {
    var m = Math.abs(v), sign = v < 0 ? MINUS : "";
    if (m === 0) { return "\u00a30"; }
    var r = roundSig(m, 2), words = inWords(r);
    if (words) { return sign + "\u00a3" + words; }
    var pence = r < 10, dec = pence ? Math.min(sigDecimals(r, 2), 2) : 0, body = grouped(r, dec);
    if (isZero(body)) { return "less than \u00a3" + (pence ? "0.01" : "1"); }
    if (pence) {
      body = trim(body);
      if (body.indexOf(".") >= 0 && body.split(".")[1].length === 1) { body += "0"; }
    }
    return sign + "\u00a3" + body;
  }
  // cutsim.model.fmt.resident_number: a count or level, two significant figures
  function number(v) {
    var m = Math.abs(v), sign = v < 0 ? MINUS : "";
    if (m === 0) { return "0"; }
    var r = roundSig(m, 2), words = inWords(r);
    if (words) { return sign + words; }
    var body = grouped(r, Math.min(sigDecimals(r, 2), 2));
    if (isZero(body)) { return "less than 0.01"; }
    return sign + trim(body);
  }
  window.cutsimFormat = { money: money, number: number, countWords: countWords };  // checked against the core

  // ---- wording, as cutsim.consult.page words the static page
  function signWord(v) { return Math.abs(v) < data.money_floor ? "no change" : (v > 0 ? "saves " : "costs ") + money(Math.abs(v)); }
  function costWord(v) { return Math.abs(v) < data.money_floor ? "no change" : (v > 0 ? "extra costs of " : "saves ") + money(Math.abs(v)); }
  // cutsim.consult.page.count_words: whole things; "fewer than one" below 1
  function countWords(v) { return v < 1 ? "fewer than one" : number(toNumber(roundTo(v, 0), 0)); }
  function changeWord(v, o) {
    if (Math.abs(v) < data.outcome_floor[o]) { return "no change"; }
    var better = (v > 0) === data.higher_is_better[o];
    var size = data.outcome_counts[o] ? countWords(Math.abs(v)) : number(Math.abs(v));
    return size + " " + (v > 0 ? "more" : "fewer") + " (" + data.outcome_units[o] + "; " + (better ? "better" : "worse") + ")";
  }
  // Rows that do not change are folded into one line naming them.
  function fold(prefix, names, changed) {
    var still = [];
    names.forEach(function (name, i) {
      var row = document.getElementById(prefix + "-row-" + i);
      if (row) { row.hidden = !changed[i]; }
      if (!changed[i]) { still.push(name); }
    });
    var line = document.getElementById(prefix + "-unchanged");
    if (line) { line.hidden = still.length === 0; line.textContent = "No change for: " + still.join(", ") + "."; }
  }

  // ---- the sum
  var inputs = Array.prototype.slice.call(document.querySelectorAll("input[data-lever]"));
  function snap(input, lever) {
    var v = Number(input.value);
    if (!isFinite(v)) { v = lever.proposal; }
    v = Math.min(lever.max, Math.max(lever.min, v));
    v = lever.min + Math.round((v - lever.min) / lever.step) * lever.step;
    return Math.min(lever.max, Math.max(lever.min, Number(v.toPrecision(12))));
  }
  function choices() {
    var x = {};
    inputs.forEach(function (input, i) { x[data.levers[i].id] = snap(input, data.levers[i]); });
    return x;
  }
  function addSparse(total, sparse, factor) {
    for (var k in sparse) { if (Object.prototype.hasOwnProperty.call(sparse, k)) { total[+k] += factor * sparse[k]; } }
  }
  function evaluate(x) {
    var total = data.base.slice(), xs = data.levers.map(function (l) { return x[l.id]; });
    data.levers.forEach(function (lever, i) {
      addSparse(total, lever.per_unit, xs[i]);
      if (xs[i] !== 0) { addSparse(total, lever.one_off, 1); }
    });
    data.products.forEach(function (p) { addSparse(total, p.b, xs[p.i] * xs[p.j]); });
    return total;
  }
  function money_at(F, a, series, y) { return F[(a * SERIES.length + SERIES.indexOf(series)) * H + y]; }
  function outcome_at(F, o, y) { return F[A * SERIES.length * H + o * H + y]; }
  function put(id, value, text) {
    var el = document.getElementById(id);
    if (el) { el.setAttribute("data-value", String(value)); el.textContent = text; }
  }
  function sumOver(fn) { var s = 0; for (var i = 0; i < A; i++) { s += fn(i); } return s; }
  function show() {
    var x = choices(), F = evaluate(x), y = data.year, lead = data.agencies.indexOf(data.lead);
    inputs.forEach(function (input, i) {
      var lever = data.levers[i], v = x[lever.id];
      document.getElementById(input.id + "-value").textContent =
        lever.unit === "percent" ? number(v) + "%" : money(v) + " a year";
    });
    put("lead-planned", money_at(F, lead, "planned_saving", y), signWord(money_at(F, lead, "planned_saving", y)));
    put("lead-net", money_at(F, lead, "net_saving", y), signWord(money_at(F, lead, "net_saving", y)));
    var placeNet = sumOver(function (a) { return money_at(F, a, "net_saving", y); });
    put("place-net", placeNet, signWord(placeNet));
    var knockChanged = [], outcomeChanged = [];
    for (var a = 0; a < A; a++) {
      var k = money_at(F, a, "knock_on_cost", y);
      put("knock-" + a, k, costWord(k));
      knockChanged.push(Math.abs(k) >= data.money_floor);
    }
    data.outcomes.forEach(function (o, i) {
      var v1 = outcome_at(F, i, y);
      put("outcome-" + i + "-year", v1, changeWord(v1, o));
      outcomeChanged.push(Math.abs(v1) >= data.outcome_floor[o]);
    });
    fold("knock", data.agencies.map(function (id) { return data.agency_names[id]; }), knockChanged);
    fold("outcome", data.outcomes.map(function (id) { return data.outcome_names[id]; }), outcomeChanged);
    var total = 0;
    for (var yy = 0; yy < H; yy++) { total += sumOver(function (a) { return money_at(F, a, "net_saving", yy); }); }
    put("place-total", total, signWord(total));
    var names = data.agency_names;
    document.getElementById("live-lead").textContent = data.year_label + ": " + names[data.lead] + " " +
      signWord(money_at(F, lead, "net_saving", y)) + ";";
    document.getElementById("live-place").textContent = "the whole place " + signWord(placeNet) + ".";
    var npv = F[F.length - 1];
    put("place-npv", npv, signWord(npv));
    var target = document.getElementById("target");
    if (target && data.target !== null) {
      var lp = money_at(F, lead, "net_saving", y), gap = data.target - lp;
      target.textContent = "The council's savings target for " + data.year_label + " is " + money(data.target) +
        (gap > data.money_floor ? ": these choices fall short by " + money(gap) + "." : ": these choices meet it.");
    }
  }

  // ---- the response
  function responseId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var b = new Uint8Array(16); window.crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (v) { return ("0" + v.toString(16)).slice(-2); }).join("");
  }
  function response() {
    var equality = {};
    Array.prototype.forEach.call(document.querySelectorAll("select[data-question]"), function (s) {
      if (s.value) { equality[s.getAttribute("data-question")] = s.value; }
    });
    return {
      format: data.response_format, format_version: data.response_version,
      consultation: data.consultation, response_id: responseId(),
      submitted: new Date().toISOString(), choices: choices(),
      comments: document.getElementById("comments").value, equality: equality
    };
  }
  function prepare() {
    var text = JSON.stringify(response(), null, 2) + "\n";
    document.getElementById("response-json").value = text;
    var link = document.getElementById("download");
    link.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
    document.getElementById("response-ready").hidden = false;
    document.getElementById("response-json").focus();
  }
  function send() {
    var status = document.getElementById("send-status");
    if (data.post_by === "email") {   // the resident's own email program, with the response
      var body = document.getElementById("response-json").value;
      window.location.href = data.post_url + "?subject=" + encodeURIComponent("Consultation response: " +
        data.consultation.scenario) + "&body=" + encodeURIComponent(body);
      status.textContent = "Your email program should open with your response; if not, save it as a file and email it.";
      return;
    }
    status.textContent = "Sending…";
    fetch(data.post_url, { method: "POST", headers: { "Content-Type": "application/json" },
                           body: document.getElementById("response-json").value })
      .then(function (r) { status.textContent = r.ok ? "Sent. Thank you." : "Not sent (the council's address answered " + r.status + "): save it as a file instead."; })
      .catch(function () { status.textContent = "Not sent: save it as a file and email it instead."; });
  }

  inputs.forEach(function (input) { input.addEventListener("input", show); input.addEventListener("change", show); });
  document.getElementById("reset").addEventListener("click", function () {
    inputs.forEach(function (input, i) { input.value = String(data.levers[i].proposal); });
    show();
  });
  document.getElementById("prepare").addEventListener("click", prepare);
  var sendButton = document.getElementById("send");
  if (sendButton) { sendButton.addEventListener("click", send); }
  document.getElementById("choices").hidden = false;
  document.getElementById("respond").hidden = false;
  document.getElementById("no-script-note").hidden = true;
  window.cutsimConsultation = { choices: choices, evaluate: evaluate, response: response, show: show };
  show();
}());
