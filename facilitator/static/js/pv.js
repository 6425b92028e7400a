/* Helpers the page scripts share (window.PV). Loaded first, before live.js, phone.js, rounds.js,
 * control.js, tags.js, themeboard.js, themepanel.js, report.js and report_editor.js; a plain script, no
 * build step.
 *
 * - PV.csrf(): the CSRF token of the page (<meta name="csrf-token">, base.html), "" without one;
 * - PV.post(url, body, signal): POST `body` as JSON with fetch (same origin, the X-CSRFToken header, asks
 *   for JSON); the fetch promise, for callers that look at the response themselves;
 * - PV.postJSON(url, body, options): the same, answered as { ok, resp, data } with the answer's JSON in
 *   `data`. An answer that is not JSON rejects, like a lost network, unless options.lenient (then `data`
 *   is {});
 * - PV.errorMessage(data, fallback): the message of an `{error: {message}}` answer (or a Socket.IO ack),
 *   else `fallback`;
 * - PV.json(id, fallback): the JSON in <script type="application/json" id="...">, else `fallback`;
 * - PV.say(el, text, state): put a message in a status line (an aria-live region); with `state`, also its
 *   data-state (online, offline, error, saving, ...). Nothing without the element;
 * - PV.button(className, text): a <button type="button">;
 * - PV.fromTemplate(id, replacements): the first element of <template id>, each key of `replacements`
 *   replaced in its HTML (the server renders the same macro into the page and into the template);
 * - PV.personaLine(ids, names): the names of persona ids (`names`: id -> name), comma separated.
 */
(function () {
  "use strict";

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return (meta && meta.content) || "";
  }

  function post(url, body, signal) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body || {}),
      signal: signal
    });
  }

  function postJSON(url, body, options) {
    var lenient = !!(options && options.lenient);
    return post(url, body, options && options.signal).then(function (resp) {
      var data = lenient ? resp.json().catch(function () { return {}; }) : resp.json();
      return data.then(function (d) { return { ok: resp.ok, resp: resp, data: d }; });
    });
  }

  function errorMessage(data, fallback) {
    return (data && data.error && data.error.message) || fallback;
  }

  function json(id, fallback) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : fallback;
  }

  function say(el, text, state) {
    if (!el) return;
    el.textContent = text || "";
    if (state !== undefined) el.dataset.state = state;
  }

  function button(className, text) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = className;
    b.textContent = text;
    return b;
  }

  function fromTemplate(id, replacements) {
    var tpl = document.getElementById(id);
    var html = tpl.innerHTML;
    Object.keys(replacements || {}).forEach(function (key) {
      html = html.split(key).join(replacements[key]);
    });
    var box = document.createElement("div");
    box.innerHTML = html.trim();
    return box.firstElementChild;
  }

  function personaLine(ids, names) {
    return (ids || []).map(function (p) { return names[String(p)] || ""; }).filter(Boolean).join(", ");
  }

  window.PV = {
    csrf: csrf,
    post: post,
    postJSON: postJSON,
    errorMessage: errorMessage,
    json: json,
    say: say,
    button: button,
    fromTemplate: fromTemplate,
    personaLine: personaLine
  };
})();
