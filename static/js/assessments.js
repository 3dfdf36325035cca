// Foot assessment enhancements. Everything works without this file.
(function () {
  "use strict";

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
