// Score sheet: running total, inline hints and draft autosave. The form works without it.
(function () {
  "use strict";
  var form = document.getElementById("score-sheet");
  if (!form) return;

  var inputs = Array.prototype.slice.call(form.querySelectorAll("input.score-input"));
  var totalOut = document.getElementById("running-total");
  var savedTotal = document.getElementById("saved-total");
  var status = document.getElementById("autosave-status");
  var versionInput = document.getElementById("sheet-version");
  var meta = document.querySelector('meta[name="csrf-token"]');
  var url = form.getAttribute("data-autosave-url");
  var DELAY = 2500;
  var timer = null;
  var inFlight = null;
  var dirty = false;
  var stopped = false;
  var pendingSubmitter = null;

  var MARK = form.getAttribute("data-decimal-mark") || ",";
  var PLAIN = /^([+-]?)(\d*)(?:([.,])(\d*))?$/;

  // The server's rule (judging/numbers.py parse_decimal): one decimal mark, comma or dot;
  // "1.234,5", "1,2,3" or "1.234" (three digits after a non-zero whole part) read two ways.
  // Returns {units: value in hundredths} or {ambiguous: true}, or null (blank, not a number,
  // or more than two decimals: the server says which).
  function parse(value) {
    var text = (value || "").trim();
    if (text === "") return null;
    var m = PLAIN.exec(text);
    if (!m || !(m[2] || m[4])) {
      return /^[+-]?\d[\d.,'\s\u00a0\u202f]*$/.test(text) ? { ambiguous: true } : null;
    }
    var whole = m[2] || "0", frac = m[4] || "";
    if (m[3] && frac.length === 3 && /[1-9]/.test(whole)) return { ambiguous: true };
    if (frac.length > 2) return null;
    var units = parseInt(whole, 10) * 100 + parseInt((frac + "00").slice(0, 2), 10);
    return { units: m[1] === "-" ? -units : units };
  }

  function hundredths(text) {  // a server-written number such as "0.5" or "2"
    var p = parse(text);
    return p && !p.ambiguous ? p.units : null;
  }

  // Total in 1/10000 (score hundredths times weight hundredths), exact; shown half-up with
  // the page language's decimal mark and no trailing zeros, like the server's num filter.
  function fmt(tenThousandths) {
    var neg = tenThousandths < 0;
    var h = Math.floor((Math.abs(tenThousandths) + 50) / 100);
    var text = String(Math.floor(h / 100));
    var frac = String(h % 100 + 100).slice(1).replace(/0+$/, "");
    if (frac) text += MARK + frac;
    return (neg && h ? "-" : "") + text;
  }

  function errorBox(input) {
    return document.getElementById(input.id + "-error");
  }

  function hint(input) {
    var box = errorBox(input);
    var value = parse(input.value);
    var message = "";
    if (value !== null && value.ambiguous) {
      message = form.getAttribute("data-msg-ambiguous");
    } else if (value !== null) {
      var max = hundredths(input.dataset.max);
      var step = hundredths(input.dataset.step);
      if (max !== null && value.units > max) {
        message = form.getAttribute("data-msg-over-max").replace("__MAX__", input.dataset.maxText);
      } else if (step > 0 && value.units % step !== 0) {
        message = form.getAttribute("data-msg-step").replace("__STEP__", input.dataset.stepText);
      }
    }
    if (message) {
      box.textContent = message;
      input.classList.add("is-invalid");
    } else if (input.dataset.serverError !== "1") {
      box.textContent = "";
      input.classList.remove("is-invalid");
    }
  }

  function updateTotal() {
    var total = 0;
    inputs.forEach(function (input) {
      var value = parse(input.value);
      var weight = hundredths(input.dataset.weight || "1");
      if (value !== null && !value.ambiguous && weight !== null) total += value.units * weight;
    });
    if (totalOut) totalOut.textContent = fmt(total);
  }

  function setStatus(text, bad) {
    if (!status) return;
    status.textContent = text;
    status.classList.toggle("text-danger", !!bad);
    status.classList.toggle("text-muted", !bad);
  }

  function showServerErrors(errors) {
    inputs.forEach(function (input) {
      var message = errors && errors[input.dataset.code];
      var box = errorBox(input);
      if (message) {
        box.textContent = message;
        input.classList.add("is-invalid");
        input.dataset.serverError = "1";
      } else {
        input.dataset.serverError = "";
        hint(input);
      }
    });
  }

  function save() {
    timer = null;
    if (stopped || !dirty) return Promise.resolve();
    dirty = false;
    var data = new FormData(form);
    data.delete("action");
    setStatus(form.getAttribute("data-msg-saving"), false);
    inFlight = fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": meta ? meta.content : "" },
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.ok && body.ok) {
          versionInput.value = String(body.version);
          if (savedTotal) savedTotal.textContent = body.total === "" ? "—" : body.total;
          setStatus(form.getAttribute("data-msg-saved").replace("__TIME__", body.saved_at), false);
          showServerErrors({});
          return;
        }
        if (response.status === 422 && body.errors) showServerErrors(body.errors);
        if (response.status === 401 || response.status === 409 || response.status === 404) {
          stopped = true;  // expired login, another tab, or a locked sheet: the judge decides
        }
        setStatus(body.error || form.getAttribute("data-msg-failed"), true);
      });
    }).catch(function () {
      dirty = true;  // offline: try again with the next keystroke
      setStatus(form.getAttribute("data-msg-failed"), true);
    }).then(function () {
      inFlight = null;
      if (pendingSubmitter) {
        var submitter = pendingSubmitter;
        pendingSubmitter = null;
        if (form.requestSubmit) form.requestSubmit(submitter); else submitter.click();
      }
    });
    return inFlight;
  }

  function changed(event) {
    if (event && event.target && event.target.classList.contains("score-input")) {
      event.target.dataset.serverError = "";
      hint(event.target);
    }
    updateTotal();
    dirty = true;
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, DELAY);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", function (event) {
    // Submitting locks the sheet: ask once (the button's data-confirm); without JS the
    // server still refuses an incomplete sheet.
    var asking = event.submitter && event.submitter.getAttribute("data-confirm");
    if (asking && !event.submitter.dataset.confirmed) {
      if (!window.confirm(asking)) { event.preventDefault(); return; }
      event.submitter.dataset.confirmed = "1";
    }
    if (timer) { clearTimeout(timer); timer = null; }
    dirty = false;
    if (inFlight) {
      // Let the running autosave finish first, so the form carries the new version.
      event.preventDefault();
      pendingSubmitter = event.submitter || form.querySelector('button[value="save"]');
    }
  });

  inputs.forEach(function (input) { if (input.classList.contains("is-invalid")) input.dataset.serverError = "1"; });
  updateTotal();
})();
