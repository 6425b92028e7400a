/* Service worker for the phone pages (scope /w/, served as /w/sw.js): a table's page opens without network.
 *
 * A participant who reloads while the venue's Wi-Fi is gone would otherwise get the browser's error page,
 * with the posts waiting in localStorage out of sight. So each workshop's table page and the files it uses
 * are kept in one cache ("pv-phone-<workshop id>") and served from it when the network does not answer:
 *
 * - the table page (/w/<id>/g/<group>) and /static/ files: network first; the copy only when the network
 *   fails, answers with a server error or has not answered within NETWORK_WAIT ms. The copy is replaced
 *   on every successful load, and deleted when the page is refused (the participant or the workshop is
 *   gone);
 * - "delete everything I wrote" (POST /w/<id>/forget) deletes the workshop's cache;
 * - everything else (posts, Socket.IO, other pages) passes through untouched.
 *
 * The copy shows what the page showed when it was last loaded (live.js adds what the phone saw since);
 * once the network is back phone.js sends the waiting posts (each once: the server deduplicates on the
 * client id) and loads the page fresh.
 */
"use strict";

var NETWORK_WAIT = 8000;  // as phone.js's SEND_WAIT: no answer by then counts as no network
var PAGE = /^\/w\/(\d+)\/g\/\d+$/;
var FORGET = /^\/w\/(\d+)\/forget$/;

function cacheName(workshopId) { return "pv-phone-" + workshopId; }

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

/* The page asks to keep itself and its files (on the first visit it was loaded before the worker ran). */
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "keep" || !/^\d+$/.test(String(data.workshop)) || !Array.isArray(data.urls)) return;
  var urls = data.urls.filter(function (u) {
    try {
      var url = new URL(u, self.location.origin);
      return url.origin === self.location.origin && (PAGE.test(url.pathname) || url.pathname.indexOf("/static/") === 0);
    } catch (e) { return false; }
  });
  event.waitUntil(caches.open(cacheName(data.workshop)).then(function (cache) {
    return Promise.all(urls.map(function (u) {
      return cache.match(u).then(function (hit) {
        if (hit) return null;
        return fetch(u, { credentials: "same-origin" }).then(function (resp) {
          if (resp.ok && !resp.redirected) return cache.put(u, resp);
          return null;
        }).catch(function () { return null; });
      });
    }));
  }).then(function () {
    if (event.source) event.source.postMessage({ type: "kept", workshop: data.workshop });
  }));
});

/* The cached copy; a page is marked (<html data-pv-copy>) so that phone.js loads it fresh once the
 * network is back. */
function fromCache(request) {
  return caches.match(request, { ignoreSearch: false }).then(function (hit) {
    if (!hit || request.mode !== "navigate") return hit;
    return hit.text().then(function (html) {
      var headers = new Headers(hit.headers);
      headers.delete("Content-Length");
      return new Response(html.replace("<html", "<html data-pv-copy"),
                          { status: hit.status, statusText: hit.statusText, headers: headers });
    });
  });
}

/* Network first; after NETWORK_WAIT ms (or a failure) the cached copy, if there is one. */
function networkFirst(request, workshopId) {
  return new Promise(function (resolve, reject) {
    var settled = false;
    function settle(resp) { if (!settled) { settled = true; resolve(resp); } }
    var timer = setTimeout(function () {
      fromCache(request).then(function (hit) { if (hit) settle(hit); });
    }, NETWORK_WAIT);
    fetch(request).then(function (resp) {
      clearTimeout(timer);
      var url = new URL(request.url);
      if (resp.ok && !resp.redirected && resp.type === "basic") {
        var copy = resp.clone();
        var name = workshopId ? cacheName(workshopId) : null;
        (name ? caches.open(name) : caches.keys().then(function (keys) {
          // A static file: keep it fresh in every workshop's cache that already holds it.
          return Promise.all(keys.filter(function (k) { return k.indexOf("pv-phone-") === 0; }).map(function (k) {
            return caches.open(k).then(function (c) { return c.match(request).then(function (hit) { return hit ? c : null; }); });
          })).then(function (cs) { return cs.filter(Boolean)[0] || null; });
        })).then(function (cache) { if (cache) return cache.put(request, copy); }).catch(function () {});
      } else if (resp.status >= 500) {
        // The server is in trouble (a proxy's 502 while it restarts): as good as no network.
        fromCache(request).then(function (hit) { settle(hit || resp); });
        return;
      } else if (workshopId && PAGE.test(url.pathname)) {
        // Refused (signed out, forgotten, workshop deleted): drop the copy of this page.
        caches.open(cacheName(workshopId)).then(function (c) { return c.delete(request); }).catch(function () {});
      }
      settle(resp);
    }).catch(function (err) {
      clearTimeout(timer);
      fromCache(request).then(function (hit) {
        if (hit) settle(hit);
        else if (!settled) { settled = true; reject(err); }
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  var forget = FORGET.exec(url.pathname);
  if (forget && request.method === "POST") {
    // The request itself goes on untouched; the copy goes now (it comes back on the next visit if the
    // participant did not go through with it).
    event.waitUntil(caches.delete(cacheName(forget[1])));
    return;
  }
  if (request.method !== "GET") return;
  var page = PAGE.exec(url.pathname);
  if (page && request.mode === "navigate") {
    event.respondWith(networkFirst(request, page[1]));
  } else if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(networkFirst(request, null));
  }
});
