// Filing form, on top of static/alerts.js: photos resized on the device before they leave it, and a
// new fiche transmitted through the device's queue (static/offline-queue.js), online or not: it is
// kept on the phone with its Idempotency-Key, the confirmation shows at once, and the queue sends it
// through the JSON API in the background (a stairwell's slow network no longer holds the agent); the
// confirmation then turns into the fiche's reference, or the server's French refusal. Without JS, or
// online with a field left empty (the server words the errors next to each field), the form posts.
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

  var keyField = form.querySelector("input[name=idempotency_key]");
  // The page may come from the service worker's cache, the key with it: each opening of the form is
  // a new fiche, with a key of its own.
  if (window.PasserelleQueue && keyField) keyField.value = PasserelleQueue.newKey();

  var notice = document.querySelector("[data-testid=queued]");
  var shownKey = null;

  function show(state, outcome) {
    notice.hidden = false;
    notice.classList.toggle("fr-alert--info", state === "sending" || state === "offline");
    notice.classList.toggle("fr-alert--success", state === "sent");
    notice.classList.toggle("fr-alert--error", state === "refused");
    notice.querySelectorAll("[data-state]").forEach(function (part) {
      part.hidden = part.dataset.state.split(" ").indexOf(state) === -1;
    });
    if (state === "sent") {
      var link = notice.querySelector("[data-testid=reference]");
      link.textContent = outcome.reference;
      link.href = notice.dataset.detailUrl.replace(/0\/$/, outcome.alertId + "/");
    }
    if (state === "refused") notice.querySelector("[data-testid=queued-error]").textContent = outcome.error;
    return PasserelleQueue.list().then(function (items) {
      var pending = items.filter(function (item) { return item.state !== "refused"; }).length;
      notice.querySelector("[data-testid=queued-count]").textContent = String(pending);
    });
  }

  // What became of the fiche the confirmation is about; called after each pass of the queue.
  function follow() {
    if (!shownKey) return Promise.resolve();
    var key = shownKey;
    return PasserelleQueue.outcome(key).then(function (outcome) {
      if (key !== shownKey) return null;
      if (outcome.state === "pending") return show(navigator.onLine ? "sending" : "offline");
      shownKey = null;
      return show(outcome.state, outcome);
    });
  }
  document.addEventListener("passerelle:queue", follow);

  // Asked as soon as the category is chosen, so that the answer is usually there at « Transmettre »
  // (one round trip less on a slow network); one question per category and page.
  var similarChecks = {};
  function similarCheck(site, category) {
    if (!site || !category || !navigator.onLine || !form.dataset.similarUrl) return Promise.resolve(false);
    if (!similarChecks[category]) {
      var query = "?site=" + encodeURIComponent(site) + "&category=" + encodeURIComponent(category);
      similarChecks[category] = fetch(form.dataset.similarUrl + query, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) { return response.ok ? response.json() : { similar: 0 }; })
        .then(function (body) { return body.similar > 0; })
        .catch(function () { delete similarChecks[category]; return false; });
    }
    return similarChecks[category];
  }
  if (form.elements.category) {
    form.elements.category.addEventListener("change", function () {
      similarCheck(new URLSearchParams(location.search).get("site"), form.elements.category.value);
    });
  }

  form.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    var site = new URLSearchParams(location.search).get("site");
    // A new fiche only (a draft being edited is already on the server), when it will go as it is:
    // online, a field left empty posts the form and the server ties its error to the field.
    if (!site || !window.PasserelleQueue || !submitter || submitter.value !== "submit") return;
    if (navigator.onLine && !form.checkValidity()) return;
    event.preventDefault();
    submitter.disabled = true; // a second tap is not a second fiche
    // Online, fiches of the same estate and category in the last 48 hours send the form to the server,
    // which offers the duplicate step; without network (or without answer) the fiche is queued.
    var similar = similarCheck(site, form.elements.category ? form.elements.category.value : "");
    similar.then(function (found) {
      if (found) return resizing.then(function () { form.submit(); });
      return queue(submitter, site);
    });
  });

  function queue(submitter, site) {
    var key = keyField.value;
    return resizing.then(function () {
      var files = input ? Array.prototype.slice.call(input.files) : [];
      return PasserelleQueue.add({
        key: key,
        site: Number(site),
        data: fieldValues(),
        files: files.map(function (file) { return { name: file.name, type: file.type, blob: file }; }),
      });
    }).then(function () {
      shownKey = key;
      // A second fiche typed next must not share the first one's key.
      form.reset();
      similarChecks = {}; // the fiche just queued is one more to ask about
      keyField.value = PasserelleQueue.newKey();
      if (previews) previews.replaceChildren();
      submitter.disabled = false;
      return show(navigator.onLine ? "sending" : "offline");
    }).then(function () {
      notice.scrollIntoView({ block: "start" });
      notice.focus();
      // Background Sync finishes it if the page is closed before; the page's own sender starts now.
      if ("serviceWorker" in navigator && "SyncManager" in window) {
        navigator.serviceWorker.ready
          .then(function (registration) { return registration.sync.register("passerelle-queue"); })
          .catch(function () { /* the online event or the next page load sends it */ });
      }
      return PasserelleField.flush();
    }).then(function () {
      // A pass already running when it was queued did not see it: one more.
      return shownKey && navigator.onLine ? PasserelleField.flush() : null;
    });
  }
});
