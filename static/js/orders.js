/* Order pages' enhancements; every page works without this file. */
(function () {
  "use strict";
  // Focus the error summary (product options, checkout, order lookup), so keyboard and
  // screen-reader users meet the problems first; its links go to the fields.
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

/* Product page: show the total as options change. The page works without this (the price is
   listed with each option, and checkout shows the total). */
(function () {
  "use strict";
  var form = document.getElementById("product-form");
  if (!form) { return; }
  var base = parseInt(form.getAttribute("data-base-price"), 10) || 0;
  var currency = (form.getAttribute("data-currency") || "gbp").toUpperCase();
  var live = form.querySelector(".price-live");
  var out = form.querySelector("[data-price-total]");
  if (!live || !out) { return; }
  var formatter;
  try {
    formatter = new Intl.NumberFormat(document.documentElement.lang || "en-GB", { style: "currency", currency: currency });
  } catch (error) {
    formatter = { format: function (value) { return value.toFixed(2) + " " + currency; } };
  }
  function update() {
    var total = base;
    form.querySelectorAll("input[data-price-delta]").forEach(function (input) {
      if (input.checked) { total += parseInt(input.getAttribute("data-price-delta"), 10) || 0; }
    });
    out.textContent = formatter.format(total / 100);
    live.hidden = false;
  }
  form.addEventListener("change", update);
  update();
})();
