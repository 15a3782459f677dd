// Imported by the generated service worker (scripts/build-static.mjs): Background Sync sends the
// queued fiches when the connection returns, even if the filing page was closed meanwhile.
/* global PasserelleQueue */
self.addEventListener("sync", function (event) {
  if (event.tag === "passerelle-queue") {
    event.waitUntil(PasserelleQueue.flush());
  }
});
