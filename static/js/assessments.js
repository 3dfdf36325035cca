// Foot assessment enhancements. Everything works without this file.
(function () {
  "use strict";

  // Move focus to the error summary so keyboard and screen-reader users hear the problems first.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) { return; }
      var input = document.getElementById(link.getAttribute("href").slice(1));
      if (input) {
        event.preventDefault();
        var fieldset = input.closest("fieldset");
        (fieldset || input).scrollIntoView();
        input.focus();
      }
    });
  }

  // "None of these" is exclusive of the other boxes in its group.
  document.querySelectorAll("input[type=checkbox][value='none']").forEach(function (none) {
    var group = document.querySelectorAll("input[type=checkbox][name='" + none.name + "']");
    group.forEach(function (box) {
      box.addEventListener("change", function () {
        if (!box.checked) { return; }
        group.forEach(function (other) {
          if (box === none ? other !== none : other === none) { other.checked = false; }
        });
      });
    });
  });

  // A print button, shown only when it can work.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
