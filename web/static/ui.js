// lexcrew web UI: per-file uploads with progress, and findings that scroll to their text.
// No external scripts; htmx (shipped beside this file) refreshes the document rows.
(function () {
  "use strict";

  function uploadOne(file, header, list) {
    var item = document.createElement("li");
    var name = document.createElement("span");
    name.className = "name";
    name.textContent = file.name;
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", "upload of " + file.name);
    var state = document.createElement("span");
    state.className = "state";
    state.textContent = "uploading";
    item.append(name, bar, state);
    list.prepend(item);

    var form = new FormData();
    form.append("files", file, file.name);
    var xhr = new XMLHttpRequest();
    var zip = /\.zip$/i.test(file.name);
    xhr.open("POST", zip ? "/api/v1/batches" : "/api/v1/documents");
    xhr.setRequestHeader(header, "1");
    xhr.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) { bar.value = Math.round((event.loaded / event.total) * 100); }
    });
    xhr.addEventListener("load", function () {
      var body = {};
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = {}; }
      if (xhr.status >= 200 && xhr.status < 300) {
        bar.value = 100;
        var refused = (body.refused || []).map(function (r) { return r.filename + ": " + r.reason; });
        item.classList.add(refused.length ? "partial" : "ok");
        state.textContent = refused.length ? "accepted, with refusals: " + refused.join("; ")
                                           : "accepted, queued for review";
        document.body.dispatchEvent(new Event("lexcrew:uploaded"));
      } else {
        item.classList.add("failed");
        state.textContent = "refused: " + (body.detail || ("HTTP " + xhr.status));
      }
    });
    xhr.addEventListener("error", function () {
      item.classList.add("failed");
      state.textContent = "failed: the connection was lost";
    });
    xhr.send(form);
  }

  function setUpUploads() {
    var zone = document.getElementById("dropzone");
    var input = document.getElementById("files");
    var list = document.getElementById("uploads");
    if (!zone || !input || !list) { return; }
    var header = zone.dataset.uiHeader;
    var send = function (files) { Array.prototype.forEach.call(files, function (f) { uploadOne(f, header, list); }); };
    input.addEventListener("change", function () { send(input.files); input.value = ""; });
    zone.addEventListener("dragover", function (e) { e.preventDefault(); zone.classList.add("over"); });
    zone.addEventListener("dragleave", function () { zone.classList.remove("over"); });
    zone.addEventListener("drop", function (e) {
      e.preventDefault();
      zone.classList.remove("over");
      send(e.dataTransfer.files);
    });
    zone.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); input.click(); }
    });
  }

  function setUpFindings() {
    document.querySelectorAll("a[data-finding]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var marks = document.querySelectorAll("mark." + link.dataset.finding);
        if (!marks.length) { return; }
        event.preventDefault();
        document.querySelectorAll("mark.active").forEach(function (m) { m.classList.remove("active"); });
        marks.forEach(function (m) { m.classList.add("active"); });
        marks[0].scrollIntoView({ behavior: "smooth", block: "center" });
      });
    });
  }

  function sendVerdict(box, action) {
    var clause = box.dataset.clause;
    var body = { action: action };
    if (action === "correct") {
      body.text = document.getElementById("text-" + clause).value;
      body.value = document.getElementById("value-" + clause).value || null;
    }
    var label = box.querySelector(".verdict");
    label.textContent = "saving…";
    var headers = { "Content-Type": "application/json" };
    headers[box.dataset.uiHeader] = "1";
    fetch("/api/v1/documents/" + box.dataset.document + "/findings/" + clause + "/feedback", {
      method: "POST", headers: headers, body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      if (!result.ok) {
        label.textContent = "not saved: " + (result.data.detail || "error");
        label.classList.add("bad");
        return;
      }
      label.classList.remove("bad");
      label.textContent = result.data.action + "ed" + (result.data.value ? ": " + result.data.value : "");
      box.dispatchEvent(new CustomEvent("lexcrew:verdict", { bubbles: true, detail: result.data }));
      if (box.dataset.queue) { window.location.reload(); }  // the next finding in the queue
    }).catch(function () { label.textContent = "not saved: the connection was lost"; });
  }

  function setUpFeedback() {
    document.querySelectorAll(".feedback").forEach(function (box) {
      box.querySelectorAll("button[data-action]").forEach(function (button) {
        button.addEventListener("click", function () { sendVerdict(box, button.dataset.action); });
      });
    });
  }

  function setUpQueueKeys() {
    var box = document.querySelector(".feedback[data-queue]");
    if (!box) { return; }
    document.addEventListener("keydown", function (event) {
      var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
      if (typing || event.ctrlKey || event.metaKey || event.altKey) { return; }
      if (event.key === "a") { sendVerdict(box, "accept"); }
      else if (event.key === "r") { sendVerdict(box, "reject"); }
      else if (event.key === "s") { box.querySelector(".skip-link").click(); }
      else if (event.key === "c") {
        event.preventDefault();
        var details = document.getElementById("correct-box");
        details.open = true;
        details.querySelector("textarea").focus();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpUploads(); setUpFindings(); setUpFeedback(); setUpQueueKeys();
  });
})();
