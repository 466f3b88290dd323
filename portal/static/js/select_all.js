// "Select all on this page": a header checkbox with data-select-all="<name>" ticks or clears
// every checkbox of that name in its form. Hidden without JavaScript (each row still works).
(function () {
  document.querySelectorAll("input[data-select-all]").forEach(function (box) {
    var name = box.getAttribute("data-select-all");
    var form = box.form || box.closest("form");
    if (!form) return;
    var rows = function () {
      return Array.prototype.slice.call(
        form.querySelectorAll('input[type="checkbox"][name="' + name + '"]'));
    };
    var sync = function () {
      var all = rows();
      box.checked = all.length > 0 && all.every(function (b) { return b.checked; });
    };
    box.hidden = false;
    sync();
    box.addEventListener("change", function () {
      rows().forEach(function (b) { b.checked = box.checked; });
    });
    form.addEventListener("change", function (event) {
      if (event.target !== box && event.target.name === name) sync();
    });
  });
})();
