// The dashboard refreshes itself (loaded as a file: the CSP allows no inline script). Each minute it
// asks its own URL again with the ETag of what it shows: an unchanged queue answers 304 (no fiche
// read, nothing redrawn), a changed one the new page, whose content replaces the current one — unless
// the officer is busy with it (a box ticked, a field focused), when the next tick tries again.
(function () {
  var script = document.currentScript;
  var every = 1000 * Number((script && script.dataset.refreshSeconds) || 60);
  var etag = (script && script.dataset.etag) || null;

  function busy(content) {
    return content.querySelector("input[type=checkbox]:checked") ||
      (document.activeElement && content.contains(document.activeElement) &&
        document.activeElement.matches("input, select, textarea"));
  }

  function tick() {
    var content = document.getElementById("content");
    if (!content || document.hidden || busy(content)) {
      return;
    }
    var headers = { "X-Requested-With": "fetch" };
    if (etag) {
      headers["If-None-Match"] = etag;
    }
    // no-store: the answer is judged here, the browser's cache would turn a 304 back into a 200.
    fetch(window.location.href, { headers: headers, cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (response.status !== 200) {
          return null;
        }
        etag = response.headers.get("ETag");
        return response.text();
      })
      .then(function (html) {
        if (!html || busy(content)) {
          return;
        }
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("content");
        if (fresh) {
          content.innerHTML = fresh.innerHTML;
        }
      })
      .catch(function () {});
  }

  window.setInterval(tick, every);
})();
