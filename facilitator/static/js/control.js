/* Dashboard: moderation on each card (hide, show again, edit, merge, undo a merge, spotlight).
 *
 * Each button POSTs with fetch (JSON, CSRF header: PV.postJSON in pv.js) to
 * /workshops/<id>/contributions/<cid>/<action> or /workshops/<id>/spotlight. The server broadcasts the
 * change to the phones, the walls and every dashboard; the answer is applied here at once too (cards are
 * deduplicated by id and seq). The author of a contribution is never known here.
 */
(function () {
  "use strict";

  var board = document.querySelector("[data-live][data-moderate-base]");
  if (!board) return;
  var base = board.dataset.moderateBase;
  var strings = PV.json("i18n", {});
  Object.assign(strings, PV.json("i18n-rounds", {}));
  var statusEl = document.querySelector("[data-control-status]");

  function say(text) {
    PV.say(statusEl, text);
  }

  function post(url, body) {
    return PV.postJSON(url, body)
      .then(function (r) {
        if (!r.ok) {
          say(PV.errorMessage(r.data, strings.error));
          return null;
        }
        (r.data.contributions || []).forEach(function (c) { window.pvLive.apply(c); });
        say(r.data.message);
        return r.data;
      })
      .catch(function () { say(strings.offline); return null; });
  }

  function closeBoxes(card) {
    card.querySelectorAll(".moderation-box").forEach(function (b) { b.remove(); });
  }

  function box(card, labelText, field, buttonText, onSubmit) {
    closeBoxes(card);
    var wrap = document.createElement("div");
    wrap.className = "moderation-box stack";
    var label = document.createElement("label");
    field.id = "mod-" + card.dataset.id;
    label.setAttribute("for", field.id);
    label.textContent = labelText;
    var ok = PV.button("button small primary", buttonText);
    var cancel = PV.button("button small secondary", strings.cancel);
    var row = document.createElement("div");
    row.className = "actions";
    row.append(ok, cancel);
    wrap.append(label, field, row);
    card.appendChild(wrap);
    field.focus();
    cancel.addEventListener("click", function () { wrap.remove(); });
    ok.addEventListener("click", function () {
      onSubmit().then(function (done) { if (done) wrap.remove(); });
    });
  }

  function edit(card, id) {
    var area = document.createElement("textarea");
    area.maxLength = 1000;
    area.rows = 3;
    area.value = card.querySelector('[data-field="text"]').textContent;
    box(card, strings.edit_label, area, strings.save, function () {
      return post(base + "/contributions/" + id + "/edit", { text: area.value });
    });
  }

  function merge(card, id) {
    var select = document.createElement("select");
    board.querySelectorAll(".card").forEach(function (other) {
      if (other === card || other.dataset.kind !== card.dataset.kind || other.classList.contains("is-hidden")) return;
      var option = document.createElement("option");
      option.value = other.dataset.id;
      var lane = other.closest(".lane");
      var where = lane ? lane.querySelector(".lane-title").firstChild.textContent.trim() : "";
      var text = other.querySelector('[data-field="text"]').textContent;
      option.textContent = (where ? where + ": " : "") + (text.length > 80 ? text.slice(0, 79) + "…" : text);
      select.appendChild(option);
    });
    if (!select.options.length) { say(strings.merge_none); return; }
    box(card, strings.merge_label, select, strings.merge_into, function () {
      return post(base + "/contributions/" + id + "/merge", { into: Number(select.value) });
    });
  }

  board.addEventListener("click", function (ev) {
    var button = ev.target.closest("[data-moderate]");
    if (!button) return;
    ev.preventDefault();
    var card = button.closest(".card");
    var id = Number(card.dataset.id);
    var action = button.dataset.moderate;
    if (action === "edit") edit(card, id);
    else if (action === "merge") merge(card, id);
    else if (action === "unmerge") post(base + "/contributions/" + Number(button.dataset.target) + "/unmerge");
    else if (action === "spotlight") post(base + "/spotlight", { contribution_id: id });
    else post(base + "/contributions/" + id + "/" + action);
  });
})();
