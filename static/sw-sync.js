// Imported by the generated service worker (scripts/build-static.mjs): Background Sync sends the
// queued fiches when the connection returns, even if the filing page was closed meanwhile.
/* global PasserelleQueue */
self.addEventListener("sync", function (event) {
  if (event.tag === "passerelle-queue") {
    // The open pages then show what changed (the count, a fiche's reference or its refusal).
    event.waitUntil(
      PasserelleQueue.flush().then(function () {
        return self.clients.matchAll().then(function (pages) {
          pages.forEach(function (page) { page.postMessage("passerelle-queue"); });
        });
      })
    );
  }
});
