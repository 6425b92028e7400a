/* Tags on the cards of the phone, the wall and the dashboard (sessions/tags/).
 *
 * Every `contribution` payload carries `tags` ([{id, label, category}]); after live.js has applied one
 * (the `pv:applied` event) the card's chips are redrawn from it. Where tagging is allowed -- the
 * participant's own cards on the phone, every card on the dashboard (the board has `data-tag-base`) --
 * the card gets the tag toggles: the server draws them for the cards it renders (a form that works
 * without JavaScript), this script for cards that arrive later -- open under a post the phone has just
 * made, so that tagging it takes one tap. A tap sends `{tag_id, on}` with fetch to
 * `<tag-base>/<id>/tags`; the answer (and the broadcast to every other screen) is the contribution.
 */
(function () {
  "use strict";

  var board = document.querySelector("[data-live]");
  if (!board) return;
  var vocab = PV.json("tag-vocabulary", null);
  var base = board.dataset.tagBase || null;
  var role = board.dataset.role;
  var strings = (vocab && vocab.strings) || {};

  function cardFor(id) {
    return board.querySelector('.card[data-id="' + Number(id) + '"]');
  }

  function canTag(card) {
    if (!vocab || !base || !vocab.categories.length) return false;
    return role === "facilitator" || (role === "participant" && card.classList.contains("mine"));
  }

  /* A label that may end a line after a slash («mentor/<wbr>veiledning»), as the slash_breaks filter. */
  function setLabel(el, label) {
    el.textContent = "";
    String(label).split(/(?<=[\p{L}\p{N}])\/(?=[\p{L}\p{N}])/u).forEach(function (part, i) {
      if (i) el.append("/", document.createElement("wbr"));
      el.append(part);
    });
  }

  function drawChips(card, tags) {
    var list = card.querySelector('[data-field="tags"]');
    if (!list) return;
    list.textContent = "";
    tags.forEach(function (t) {
      var li = document.createElement("li");
      li.className = "tag-chip tag-" + t.category;
      li.dataset.tagId = t.id;
      setLabel(li, t.label);
      list.appendChild(li);
    });
    list.hidden = !tags.length;
  }

  function chipIds(card) {
    return Array.prototype.map.call(card.querySelectorAll('[data-field="tags"] [data-tag-id]'), function (li) {
      return Number(li.dataset.tagId);
    });
  }

  /* The same markup as the tag_picker_box macro in templates/_macros.html. */
  function buildPicker(card) {
    var details = document.createElement("details");
    details.className = "tag-picker";
    details.dataset.field = "tag-picker";
    var summary = document.createElement("summary");
    summary.textContent = strings.summary || "Tags";
    var form = document.createElement("form");
    form.method = "post";
    form.className = "tag-form";
    form.setAttribute("data-tag-form", "");
    form.setAttribute("action", base + "/" + Number(card.dataset.id) + "/tags");
    var csrf = document.createElement("input");
    csrf.type = "hidden";
    csrf.name = "csrf_token";
    csrf.value = PV.csrf();
    form.appendChild(csrf);
    vocab.categories.forEach(function (cat) {
      var fs = document.createElement("fieldset");
      fs.className = "tag-group";
      var legend = document.createElement("legend");
      legend.textContent = cat.label;
      fs.appendChild(legend);
      cat.tags.forEach(function (t) {
        var b = document.createElement("button");
        b.type = "submit";
        b.className = "tag-toggle tag-" + cat.key;
        b.dataset.tagId = t.id;
        b.value = t.id;
        setLabel(b, t.label);
        fs.appendChild(b);
      });
      form.appendChild(fs);
    });
    var status = document.createElement("p");
    status.className = "tag-status";
    status.setAttribute("data-tag-status", "");
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    form.appendChild(status);
    details.append(summary, form);
    var footer = card.querySelector(".card-footer");
    card.insertBefore(details, footer || null);
    // A post this phone has just made: the toggles are open, so tagging it is one tap.
    if (role === "participant" && card.classList.contains("fresh")) details.open = true;
    return details;
  }

  function syncPicker(card, ids) {
    var on = new Set(ids);
    card.querySelectorAll(".tag-toggle").forEach(function (b) {
      var pressed = on.has(Number(b.dataset.tagId));
      b.setAttribute("aria-pressed", pressed ? "true" : "false");
      b.name = pressed ? "remove" : "add";
    });
  }

  function update(card, tags) {
    drawChips(card, tags);
    var picker = card.querySelector('[data-field="tag-picker"]');
    if (!canTag(card)) {
      if (picker) picker.remove();
      return;
    }
    if (!picker) picker = buildPicker(card);
    syncPicker(card, tags.map(function (t) { return t.id; }));
    // Labels may have been renamed since the page was drawn.
    tags.forEach(function (t) {
      var b = picker.querySelector('.tag-toggle[data-tag-id="' + Number(t.id) + '"]');
      if (b) b.textContent = t.label;
    });
  }

  document.addEventListener("pv:applied", function (ev) {
    var c = ev.detail;
    if (!c || c.deleted) return;
    var card = cardFor(c.id);
    if (card) update(card, c.tags || []);
  });

  // A card became the participant's own (its post was confirmed): add the toggles.
  document.addEventListener("pv:mine", function (ev) {
    var card = cardFor(ev.detail.id);
    if (card && canTag(card) && !card.querySelector('[data-field="tag-picker"]')) {
      buildPicker(card);
      syncPicker(card, chipIds(card));
    }
  });

  function say(form, text) {
    PV.say(form.querySelector("[data-tag-status]"), text);
  }

  board.addEventListener("click", function (ev) {
    var button = ev.target.closest(".tag-toggle");
    if (!button) return;
    var form = button.closest("[data-tag-form]");
    if (!form) return;
    ev.preventDefault();
    var on = button.getAttribute("aria-pressed") !== "true";
    // Show the tap at once; the server's answer (or an error) settles it.
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.name = on ? "remove" : "add";
    button.setAttribute("aria-busy", "true");
    PV.postJSON(form.getAttribute("action"), { tag_id: Number(button.dataset.tagId), on: on }, { lenient: true })
      .then(function (r) {
        button.removeAttribute("aria-busy");
        var card = button.closest(".card");
        if (r.ok && r.data.contribution) {
          window.pvLive.apply(r.data.contribution);
          // Applied already (same seq from the broadcast): settle the toggles from the answer anyway.
          if (card) update(card, r.data.contribution.tags || []);
          say(form, strings.saved);
        } else {
          if (card) syncPicker(card, chipIds(card));
          say(form, PV.errorMessage(r.data, strings.error));
        }
      })
      .catch(function () {
        button.removeAttribute("aria-busy");
        var card = button.closest(".card");
        if (card) syncPicker(card, chipIds(card));
        say(form, strings.offline);
      });
  });
})();
