/* Scan upload page: one XHR upload per chosen file, each with a progress bar, percent and Cancel;
   then polls the small status endpoint while scans are being checked. Without JavaScript the form
   posts normally and the page refreshes itself while checking. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-scan-upload]");
  var status = document.querySelector("[data-scan-status]");

  function poll() {
    if (!status || status.getAttribute("data-checking") !== "true") { return; }
    var url = status.getAttribute("data-status-url");
    var busy = false;
    var timer = window.setInterval(function () {
      if (busy || (form && form.getAttribute("data-uploading") === "true")) { return; }
      busy = true;
      var xhr = new XMLHttpRequest();
      xhr.open("GET", url);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.onload = function () {
        busy = false;
        if (xhr.status !== 200) { return; }
        var data = JSON.parse(xhr.responseText);
        if (!data.checking) {
          window.clearInterval(timer);
          window.location.reload();
        }
      };
      xhr.onerror = function () { busy = false; };
      xhr.send();
    }, 1500);
  }

  function prepare(input, list) {
    var file = input.files[0];
    var row = document.createElement("div");
    row.className = "scan-progress";
    var label = document.createElement("label");
    var bar = document.createElement("progress");
    var percent = document.createElement("span");
    var cancel = document.createElement("button");
    var id = "progress-" + input.name;
    bar.id = id;
    bar.max = 100;
    bar.value = 0;
    label.setAttribute("for", id);
    label.textContent = file.name;
    percent.className = "scan-percent";
    percent.setAttribute("aria-live", "polite");
    percent.textContent = "0%";
    cancel.type = "button";
    cancel.className = "button button-secondary scan-cancel";
    cancel.textContent = list.getAttribute("data-cancel-label") || "Cancel";
    row.appendChild(label);
    row.appendChild(bar);
    row.appendChild(percent);
    row.appendChild(cancel);
    list.appendChild(row);
    var xhr = new XMLHttpRequest();
    var cancelled = false;
    cancel.addEventListener("click", function () {
      cancelled = true;
      xhr.abort();
    });

    return function start(token) {
      return new Promise(function (resolve) {
        if (cancelled) {
          cancel.disabled = true;
          row.classList.add("scan-progress-failed");
          percent.textContent = list.getAttribute("data-cancelled-label") || "Cancelled";
          resolve(false);
          return;
        }
        var data = new FormData();
        data.append("csrfmiddlewaretoken", token);
        data.append(input.name, file);
        xhr.open("POST", form.action);
        xhr.setRequestHeader("Accept", "application/json");
        xhr.upload.onprogress = function (event) {
          if (event.lengthComputable) {
            var value = Math.floor((event.loaded / event.total) * 100);
            bar.value = value;
            percent.textContent = value + "%";
          }
        };
        function finish(ok, message) {
          cancel.disabled = true;
          row.classList.add(ok ? "scan-progress-done" : "scan-progress-failed");
          if (message) { percent.textContent = message; }
          resolve(ok);
        }
        xhr.onload = function () {
          var body = {};
          try { body = JSON.parse(xhr.responseText); } catch (error) { body = {}; }
          if (xhr.status === 200 && body.ok) {
            bar.value = 100;
            finish(true, "100%");
          } else {
            var errors = body.errors || {};
            var text = errors[input.name] || Object.keys(errors).map(function (k) { return errors[k]; }).join(" ");
            finish(false, text || ("Error " + xhr.status));
          }
        };
        xhr.onerror = function () { finish(false, list.getAttribute("data-failed-label") || "Upload failed"); };
        xhr.onabort = function () { finish(false, list.getAttribute("data-cancelled-label") || "Cancelled"); };
        xhr.send(data);
      });
    };
  }

  if (form && window.FormData && window.Promise) {
    form.addEventListener("submit", function (event) {
      var inputs = Array.prototype.filter.call(
        form.querySelectorAll("input[type=file]"),
        function (input) { return input.files && input.files.length > 0; }
      );
      if (!inputs.length) { return; } // let the server say what is missing
      event.preventDefault();
      var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
      var list = form.querySelector("[data-progress-list]");
      list.textContent = "";
      form.setAttribute("data-uploading", "true");
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      // One file after another: the first finishes sooner than if both shared the connection.
      var results = [];
      var starters = inputs.map(function (input) { return prepare(input, list); });
      starters.reduce(function (chain, start) {
        return chain.then(function () {
          return start(token).then(function (ok) { results.push(ok); });
        });
      }, Promise.resolve()).then(function () {
        form.removeAttribute("data-uploading");
        button.disabled = false;
        inputs.forEach(function (input) { input.value = ""; });
        if (results.some(function (ok) { return ok; })) {
          var done = document.createElement("p");
          done.className = "message";
          done.setAttribute("role", "status");
          done.textContent = list.getAttribute("data-done-label") || "Uploaded. Checking…";
          list.appendChild(done);
          window.setTimeout(function () { window.location.reload(); }, results.every(function (ok) { return ok; }) ? 300 : 4000);
        }
      });
    });
  }
  poll();
})();
