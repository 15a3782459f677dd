// Copies the npm libraries the pages use into static/vendor/ and generates the service worker there
// with Workbox. static/vendor/ is generated (git-ignored): the Makefile runs this after `npm ci`,
// before collectstatic. Run it again after changing static/ files the service worker precaches.
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateSW } from "workbox-build";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const vendor = join(root, "static", "vendor");
rmSync(vendor, { recursive: true, force: true });
mkdirSync(vendor, { recursive: true });

// Classic (UMD) builds: the pages load them with <script>, the service worker with importScripts().
const libraries = {
  "idb/build/umd.js": "idb.js",
  "workbox-window/build/workbox-window.prod.umd.js": "workbox-window.js",
  "browser-image-compression/dist/browser-image-compression.js": "browser-image-compression.js",
};
for (const [source, target] of Object.entries(libraries)) {
  copyFileSync(join(root, "node_modules", source), join(vendor, target));
}

// Pages a landlord's agent opens on site: network first, the cached copy when offline.
// (Functions are copied into the worker as source: the pattern is written inside them.)

const { count, size, warnings } = await generateSW({
  swDest: join(vendor, "sw.js"),
  globDirectory: join(root, "static"),
  // The app shell: our own scripts and styles, the libraries above, the icons and the offline page.
  globPatterns: ["*.{js,css}", "vendor/*.js", "icons/*.png", "manifest.webmanifest"],
  globIgnores: ["vendor/sw.js"],
  modifyURLPrefix: { "": "/static/" },
  // The page's own copy of the queue code, run in the worker too for Background Sync.
  importScripts: ["/static/vendor/idb.js", "/static/offline-queue.js", "/static/sw-sync.js"],
  // One file: served at /sw.js (see partnerships/views_public.py), a runtime file beside it would not be.
  inlineWorkboxRuntime: true,
  clientsClaim: true,
  skipWaiting: true,
  sourcemap: false,
  mode: "production",
  cleanupOutdatedCaches: true,
  runtimeCaching: [
    {
      // The filing form opens at once from the copy kept on the phone (refreshed in the background
      // for the next time): on a slow network, waiting for the server would take most of the filing.
      // Each opening gets its own Idempotency-Key on the device (static/filing-offline.js).
      urlPattern: ({ request, url }) => request.mode === "navigate" && /^\/fiches\/nouvelle\/$/.test(url.pathname),
      handler: "StaleWhileRevalidate",
      options: { cacheName: "forms", expiration: { maxEntries: 50 } },
    },
    {
      urlPattern: ({ request, url }) => request.mode === "navigate" && /^\/(fiches\/)?$/.test(url.pathname),
      handler: "NetworkFirst",
      options: { cacheName: "pages", networkTimeoutSeconds: 4, expiration: { maxEntries: 50 } },
    },
    {
      // django-dsfr's styles, fonts and scripts (served from /static/ too, outside static/ here).
      urlPattern: ({ url }) => url.pathname.startsWith("/static/"),
      handler: "StaleWhileRevalidate",
      options: { cacheName: "static", expiration: { maxEntries: 200 } },
    },
  ],
});
for (const warning of warnings) console.warn(warning);
console.log(`static/vendor: service worker precaches ${count} files (${size} bytes)`);
