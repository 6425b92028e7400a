/* The dashboard's themes panel: follows `themes` on the dashboard's socket (live.js) and counts each
 * theme's members from the dashboard's own cards, so a hidden member stops counting at once. The board
 * itself is themeboard.js.
 */
(function () {
  "use strict";

  var fromTemplate = PV.fromTemplate;
  var personaLine = PV.personaLine;

  function initPanel(panel) {
    var workshopId = Number(panel.dataset.workshop);
    var revision = Number(panel.dataset.revision || 0);
    var list = panel.querySelector("[data-themes-list]");
    var empty = panel.querySelector("[data-themes-empty]");
    var total = panel.querySelector("[data-themes-total]");
    var personaNames = PV.json("persona-names", {});

    /* A member counts while the dashboard shows its card and it is not hidden. */
    function recount() {
      list.querySelectorAll("li[data-theme-id]").forEach(function (li) {
        var ids = (li.dataset.members || "").split(",").filter(Boolean);
        var personas = {};
        var n = 0;
        ids.forEach(function (id) {
          var card = document.querySelector('[data-live] .card[data-id="' + Number(id) + '"]');
          if (card && !card.classList.contains("is-hidden")) {
            n += 1;
            if (card.dataset.personaId) personas[card.dataset.personaId] = true;
          }
        });
        li.querySelector('[data-field="count"]').textContent = n;
        var line = personaLine(Object.keys(personas).sort(function (x, y) { return x - y; }), personaNames);
        li.querySelector('[data-field="personas"]').textContent = line ? " · " + line : "";
      });
    }

    function apply(b) {
      if (!b || b.workshop_id !== workshopId || b.revision < revision) return;
      revision = b.revision;
      panel.dataset.revision = String(revision);
      list.textContent = "";
      b.themes.forEach(function (t) {
        var li = fromTemplate("tpl-theme-summary", {});
        li.dataset.themeId = t.id;
        li.dataset.members = t.member_ids.concat(t.hidden_ids || []).join(",");
        li.querySelector('[data-field="name"]').textContent = t.name;
        list.appendChild(li);
      });
      empty.hidden = b.themes.length > 0;
      var n = b.themes.length;
      total.textContent = (n === 1 ? total.dataset.one : total.dataset.other).replace("{n}", String(n));
      recount();
    }

    function hook() {
      var live = window.pvLive;
      if (!live || !live.socket) return;
      live.socket.on("themes", apply);
    }
    if (window.pvLive) hook();
    else document.addEventListener("pv:live-ready", hook);
    document.addEventListener("pv:synced", function (ev) {
      if (ev.detail && ev.detail.live && ev.detail.live.themes) apply(ev.detail.live.themes);
    });
    document.addEventListener("pv:applied", recount);
  }

  var panel = document.querySelector("[data-themes-panel]");
  if (panel) initPanel(panel);
})();
