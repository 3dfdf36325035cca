/* Order pages' enhancements; every page works without this file. */

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
