// Entry form: add and remove part/author rows without a round trip.
// Without JavaScript the same buttons submit the form and the server re-renders it.
(function () {
  "use strict";
  var form = document.getElementById("entry-form");
  if (!form) { return; }

  function rows(kind) {
    return Array.prototype.slice.call(
      document.querySelectorAll("#" + kind + "-rows > .entry-row"));
  }

  function renumber(kind) {
    var pattern = new RegExp("^" + kind + "-(\\d+|__INDEX__)-");
    rows(kind).forEach(function (row, i) {
      row.dataset.index = String(i);
      row.querySelectorAll("[name],[id],[for],[data-hint-for]").forEach(function (el) {
        ["name", "id", "for", "data-hint-for", "aria-describedby"].forEach(function (attr) {
          var v = el.getAttribute(attr);
          if (v) { el.setAttribute(attr, v.replace(pattern, kind + "-" + i + "-")); }
        });
      });
      var remove = row.querySelector(".row-remove");
      if (remove) { remove.value = String(i); }
      var number = row.querySelector(".row-number");
      if (number) { number.textContent = String(i + 1); }
    });
    if (kind === "parts") {
      var n = rows("parts").length;
      var count = document.getElementById("parts_count");
      if (count) { count.value = String(n); }
      var radio = form.querySelector('input[name="form"][value="' + (n > 1 ? "series" : "single") + '"]');
      if (radio) { radio.checked = true; }
      rows("parts").forEach(function (row) {
        var remove = row.querySelector(".row-remove");
        if (remove) { remove.hidden = n < 2; }
      });
    }
  }

  function addRow(kind) {
    var template = document.getElementById(kind + "-template");
    var container = document.getElementById(kind + "-rows");
    if (!template || !container) { return; }
    var fragment = template.content.cloneNode(true);
    container.appendChild(fragment);
    renumber(kind);
    var added = rows(kind).pop();
    var first = added && added.querySelector("input");
    if (first) { first.focus(); }
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) { return; }
    if (button.classList.contains("row-add")) {
      event.preventDefault();
      addRow(button.dataset.row);
    } else if (button.classList.contains("row-remove")) {
      var row = button.closest(".entry-row");
      if (!row) { return; }
      event.preventDefault();
      var kind = row.dataset.row;
      row.remove();
      renumber(kind);
    }
  });
})();
