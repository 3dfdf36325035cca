/* The forms pack's error summary (templates/fp/error_summary.html loads this only when it shows):
   focus it so keyboard and screen-reader users meet the problems first; its links move to the
   field (its fieldset or question into view). Without this file the links still jump. */
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (!summary) { return; }
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    var input = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!input) { return; }
    event.preventDefault();
    (input.closest("fieldset") || input.closest(".field") || input).scrollIntoView();
    input.focus();
  });
})();
