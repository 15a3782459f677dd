// Filing form, on top of static/alerts.js: photos resized on the device before they leave it, and a
// fiche transmitted without network kept in the device's queue (static/offline-queue.js) instead of
// lost. Online, the form posts as usual (the server checks duplicates and words its errors).
/* global imageCompression, PasserelleQueue, PasserelleField */
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var form = document.querySelector("form[data-testid=alert-form]");
  if (!form) return;
  var input = form.querySelector("input[name=attachments]");
  var previews = document.querySelector("[data-testid=photo-previews]");
  // Longest side 2,048 px: enough to read a tag on a wall, a fraction of a phone photo's weight.
  var RESIZABLE = ["image/jpeg", "image/png", "image/webp"];
  var resizing = Promise.resolve();

  function resize(file) {
    if (RESIZABLE.indexOf(file.type) === -1 || !window.imageCompression) {
      return Promise.resolve(file); // HEIC (the server converts it) or a PDF: sent as it is
    }
    // No web worker: the library would load its worker code from a CDN.
    return imageCompression(file, { maxWidthOrHeight: 2048, maxSizeMB: 1.5, useWebWorker: false })
      .then(function (blob) { return new File([blob], file.name, { type: blob.type }); })
      .catch(function () { return file; });
  }

  function showPreviews(files) {
    if (!previews) return;
    previews.replaceChildren();
    files.forEach(function (file) {
      if (RESIZABLE.indexOf(file.type) === -1) return;
      var image = document.createElement("img");
      image.src = URL.createObjectURL(file);
      image.alt = file.name;
      image.className = "passerelle-preview";
      previews.appendChild(image);
    });
  }

  if (input) {
    input.addEventListener("change", function () {
      var chosen = Array.prototype.slice.call(input.files);
      resizing = Promise.all(chosen.map(resize)).then(function (files) {
        var transfer = new DataTransfer();
        files.forEach(function (file) { transfer.items.add(file); });
        input.files = transfer.files;
        showPreviews(files);
        return files;
      });
    });
  }

  function fieldValues() {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (field) {
      var skip = ["csrfmiddlewaretoken", "idempotency_key", "attachments", "action", ""];
      if (field.disabled || skip.indexOf(field.name) !== -1) return;
      if (field.type === "checkbox") {
        data[field.name] = field.checked;
      } else if (field.type === "radio") {
        if (field.checked) data[field.name] = field.value;
      } else if (field.type === "select-multiple") {
        data[field.name] = Array.prototype.map.call(field.selectedOptions, function (o) { return o.value; });
      } else if (field.value !== "") {
        data[field.name] = field.value;
      }
    });
    return data;
  }

  function newKey() {
    return self.crypto && crypto.randomUUID
      ? crypto.randomUUID()
      : "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
          return (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16);
        });
  }

  form.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    var site = new URLSearchParams(location.search).get("site");
    // A new fiche only: a draft being edited is already on the server.
    if (!site || navigator.onLine || !window.PasserelleQueue || !submitter || submitter.value !== "submit") return;
    event.preventDefault();
    var keyField = form.querySelector("input[name=idempotency_key]");
    resizing.then(function () {
      var files = input ? Array.prototype.slice.call(input.files) : [];
      return PasserelleQueue.add({
        key: keyField.value,
        site: Number(site),
        data: fieldValues(),
        files: files.map(function (file) { return { name: file.name, type: file.type, blob: file }; }),
      });
    }).then(function () {
      if ("serviceWorker" in navigator && "SyncManager" in window) {
        navigator.serviceWorker.ready
          .then(function (registration) { return registration.sync.register("passerelle-queue"); })
          .catch(function () { /* the online event or the next page load sends it */ });
      }
      var notice = document.querySelector("[data-testid=queued]");
      notice.hidden = false;
      notice.scrollIntoView({ block: "center" });
      // A second fiche typed next must not share the first one's key.
      form.reset();
      keyField.value = newKey();
      if (previews) previews.replaceChildren();
      return PasserelleField.showPending();
    });
  });
});
