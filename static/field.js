// On every page: the service worker (offline copies of the landlord's pages), the offline banner,
// the fiches waiting on this device, and logging out clears them.
/* global workbox, PasserelleQueue */
(function () {
  "use strict";
  var LOGGED_OUT = "passerelle-logged-out";
  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function showBanner() {
    var banner = document.querySelector("[data-testid=offline-banner]");
    if (banner) banner.hidden = navigator.onLine;
  }

  function showPending() {
    var box = document.querySelector("[data-testid=pending]");
    if (!box || !window.PasserelleQueue) return Promise.resolve();
    // The filing page's confirmation follows the queue too (static/filing-offline.js).
    document.dispatchEvent(new CustomEvent("passerelle:queue"));
    return PasserelleQueue.list().then(function (items) {
      var pending = items.filter(function (item) { return item.state !== "refused"; });
      var refused = items.filter(function (item) { return item.state === "refused"; });
      box.hidden = !items.length;
      box.querySelector("[data-testid=pending-count]").textContent = String(pending.length);
      var list = box.querySelector("[data-testid=refused]");
      list.replaceChildren();
      refused.forEach(function (item) {
        var entry = document.createElement("li");
        entry.textContent = (item.data.description || "").slice(0, 60) + " — " + item.error + " ";
        var dismiss = document.createElement("button");
        dismiss.type = "button";
        dismiss.className = "fr-btn fr-btn--sm fr-btn--tertiary";
        dismiss.textContent = box.dataset.dismissLabel;
        dismiss.addEventListener("click", function () {
          PasserelleQueue.remove(item.key).then(showPending);
        });
        entry.appendChild(dismiss);
        list.appendChild(entry);
      });
    });
  }

  function flush() {
    if (!navigator.onLine || !window.PasserelleQueue) return showPending();
    return PasserelleQueue.flush(csrfToken()).then(showPending);
  }

  window.PasserelleField = { showPending: showPending, flush: flush };

  document.addEventListener("DOMContentLoaded", function () {
    showBanner();
    window.addEventListener("online", function () { showBanner(); flush(); });
    window.addEventListener("offline", showBanner);
    // Delegated: DSFR copies the header's buttons into the phone menu.
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.matches("form[data-logout]") || !window.PasserelleQueue) return;
      event.preventDefault();
      PasserelleQueue.clear().finally(function () {
        sessionStorage.setItem(LOGGED_OUT, "1");
        form.submit();
      });
    });
    // The worker being unregistered may still finish a background refresh of a page's assets after
    // the caches went: the page shown after logging out deletes what came back.
    if (sessionStorage.getItem(LOGGED_OUT) && window.caches) {
      sessionStorage.removeItem(LOGGED_OUT);
      caches.keys().then(function (names) { names.forEach(function (name) { caches.delete(name); }); });
    }
    // Signed-in pages only (the box is there): the queue and the worker belong to a session.
    if (!document.querySelector("[data-testid=pending]") || !window.PasserelleQueue) return;
    PasserelleQueue.rememberCsrf(csrfToken());
    flush();
    if ("serviceWorker" in navigator && window.workbox) {
      new workbox.Workbox("/sw.js").register();
      // Service worker messages (a sync done in the background) refresh the count.
      navigator.serviceWorker.addEventListener("message", showPending);
    }
  });
})();
