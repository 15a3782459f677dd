// Fiches typed without network, kept on the device (IndexedDB through idb) until they are sent
// through the API. A classic script: the pages load it, and the service worker imports it for
// Background Sync. Each fiche keeps its Idempotency-Key, so a retry after a lost answer finds the
// fiche the server already made instead of filing a second one.
/* global idb */
(function (scope) {
  "use strict";
  var DB_NAME = "passerelle";
  var STORE = "queue";
  var META = "meta";
  var REFUSED = "refused";
  var SENT = "sent:"; // META key prefix: what the server answered for a fiche sent in full

  function newKey() {
    return scope.crypto.randomUUID
      ? scope.crypto.randomUUID()
      : "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
          return (c ^ (scope.crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16);
        });
  }

  var connection = null;

  function open() {
    connection = connection || idb.openDB(DB_NAME, 1, {
      upgrade: function (db) {
        db.createObjectStore(STORE, { keyPath: "key" });
        db.createObjectStore(META);
      },
      // Another page (or the worker) logs out and deletes the database: let it.
      blocking: function () {
        connection.then(function (db) { db.close(); });
        connection = null;
      },
    });
    return connection;
  }

  function errorMessage(response) {
    return response
      .json()
      .then(function (body) {
        var fields = (body.extra && body.extra.fields) || {};
        var details = Object.keys(fields).map(function (name) {
          return name + " : " + [].concat(fields[name]).join(" ");
        });
        return [body.message].concat(details).join(" ");
      })
      .catch(function () {
        return "Envoi refusé par le serveur (" + response.status + ").";
      });
  }

  // Sends one fiche, then its photos; the progress is written back after each step, so a cut in the
  // middle resumes with the photos not yet sent. Resolves false when the network (or a server
  // error) stops it: it is tried again later.
  function send(db, item, csrf) {
    var headers = { "X-CSRFToken": csrf, Accept: "application/json" };
    var filed = item.alertId
      ? Promise.resolve(true)
      : fetch("/api/v1/alerts/", {
          method: "POST",
          credentials: "same-origin",
          headers: Object.assign({ "Content-Type": "application/json", "Idempotency-Key": item.key }, headers),
          body: JSON.stringify(Object.assign({ site: item.site }, item.data)),
        }).then(function (response) {
          if (response.ok) {
            return response.json().then(function (alert) {
              item.alertId = alert.id;
              item.reference = alert.reference;
              return db.put(STORE, item).then(function () { return true; });
            });
          }
          return refuseOrRetry(db, item, response);
        });
    return filed.then(function (ok) {
      if (!ok) return false;
      return sendFiles(db, item, headers);
    });
  }

  // Each photo has its own Idempotency-Key, kept with it: an upload whose answer was lost is sent
  // again under the same key and the server returns the photo it already stored.
  function sendFiles(db, item, headers) {
    if (!item.files.length) {
      // The page that queued it reads the reference here (outcome), then forgets it.
      var sent = { alertId: item.alertId, reference: item.reference };
      return db.delete(STORE, item.key)
        .then(function () { return db.put(META, sent, SENT + item.key); })
        .then(function () { return true; });
    }
    var file = item.files[0];
    // Queued by an older page, without a key: given one, kept before the photo leaves.
    var keyed = Promise.resolve();
    if (!file.key) {
      file.key = newKey();
      keyed = db.put(STORE, item);
    }
    return keyed.then(function () {
      var body = new FormData();
      body.append("file", file.blob, file.name);
      return fetch("/api/v1/alerts/" + item.alertId + "/attachments/", {
        method: "POST",
        credentials: "same-origin",
        headers: Object.assign({ "Idempotency-Key": file.key }, headers),
        body: body,
      });
    }).then(function (response) {
      if (!response.ok) return refuseOrRetry(db, item, response);
      item.files = item.files.slice(1);
      return db.put(STORE, item).then(function () { return sendFiles(db, item, headers); });
    });
  }

  // 4xx: the server will never accept this as it is; the author reads why. 5xx: try again later.
  function refuseOrRetry(db, item, response) {
    if (response.status >= 500) return false;
    return errorMessage(response).then(function (message) {
      item.state = REFUSED;
      item.error = message;
      return db.put(STORE, item).then(function () { return false; });
    });
  }

  function sendAll(csrf) {
    return open().then(function (db) {
      return Promise.all([db.getAll(STORE), csrf || db.get(META, "csrf")]).then(function (found) {
        var pending = found[0].filter(function (item) { return item.state !== REFUSED; });
        return pending.reduce(function (previous, item) {
          return previous.then(function () { return send(db, item, found[1]); });
        }, Promise.resolve());
      });
    });
  }

  var flushing = null;

  var queue = {
    newKey: newKey,
    add: function (item) {
      item.state = "pending";
      item.createdAt = new Date().toISOString();
      item.files = item.files.map(function (file) { return Object.assign({ key: newKey() }, file); });
      return open().then(function (db) { return db.put(STORE, item); });
    },
    // Where a queued fiche stands: {state: "sent", alertId, reference} once the server has it with
    // its photos (read once: forgotten after), {state: "refused", error}, or {state: "pending"}.
    outcome: function (key) {
      return open().then(function (db) {
        return Promise.all([db.get(STORE, key), db.get(META, SENT + key)]).then(function (found) {
          if (found[0]) return found[0].state === REFUSED ? { state: REFUSED, error: found[0].error } : { state: "pending" };
          if (!found[1]) return { state: "pending" };
          return db.delete(META, SENT + key).then(function () { return Object.assign({ state: "sent" }, found[1]); });
        });
      });
    },
    list: function () {
      return open().then(function (db) { return db.getAll(STORE); });
    },
    remove: function (key) {
      return open().then(function (db) { return db.delete(STORE, key); });
    },
    // The service worker cannot read the page's CSRF token: the pages leave the latest one here.
    rememberCsrf: function (token) {
      return open().then(function (db) { return db.put(META, token, "csrf"); });
    },
    flush: function (csrf) {
      if (flushing) return flushing;
      // The page (online event) and the worker (Background Sync) may both start: one at a time across
      // them, or a photo could be sent twice. The second one then finds the queue already empty.
      var exclusive = scope.navigator.locks
        ? function (run) { return scope.navigator.locks.request("passerelle-queue", run); }
        : function (run) { return run(); };
      flushing = exclusive(function () { return sendAll(csrf); })
        .catch(function () { /* offline again: the next online event or page load retries */ })
        .then(function () { flushing = null; });
      return flushing;
    },
    // Logging out: nothing of the fiches nor of the cached pages stays on a shared phone; the worker
    // goes too, or it would cache the pages seen after logging out (the next sign-in brings it back).
    clear: function () {
      var workers = scope.navigator.serviceWorker
        ? scope.navigator.serviceWorker.getRegistrations().then(function (registrations) {
            return Promise.all(registrations.map(function (registration) { return registration.unregister(); }));
          })
        : Promise.resolve();
      var caches_ = scope.caches
        ? scope.caches.keys().then(function (names) {
            return Promise.all(names.map(function (name) { return scope.caches.delete(name); }));
          })
        : Promise.resolve();
      // An open connection would block the deletion until the page is gone.
      var closed = connection ? connection.then(function (db) { db.close(); }) : Promise.resolve();
      connection = null;
      return workers.then(function () {
        // Workbox's bookkeeping of the cached pages (their age): the worker holds it open, so the
        // deletion completes when the unregistered worker stops; not waited for.
        indexedDB.deleteDatabase("workbox-expiration");
        return Promise.all([caches_, closed.then(function () { return idb.deleteDB(DB_NAME); })]);
      });
    },
  };
  scope.PasserelleQueue = queue;
})(self);
