/* The SPARQL editor page: YASGUI (vendored) against this server's /sparql, prefilled with a named query. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("named-queries").textContent);
  var byName = {};
  data.forEach(function (q) { byName[q.name] = q; });
  var select = document.getElementById("named");
  var endpoint = window.location.origin + "/sparql";

  // no network beyond this server: only local autocompleters (LOV-backed class/property completion is off)
  Yasgui.Yasqe.defaults.autocompleters = ["prefixes", "variables"];
  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    persistenceId: null,
    populateFromUrl: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    yasqe: { editorHeight: "320px", persistenceId: null },
    yasr: { persistenceId: null, prefixes: {} }
  });

  function load(name) {
    var q = byName[name];
    if (!q) { return; }
    var tab = yasgui.getTab();
    tab.setEndpoint(endpoint);
    tab.setQuery(q.text);
    var desc = document.getElementById("named-description");
    if (desc) { desc.textContent = q.description; }
    var tpl = document.getElementById("named-template");
    if (tpl) { tpl.textContent = q.template; }
    var sum = document.getElementById("named-template-summary");
    if (sum) {
      sum.textContent = "Template of " + q.name + (q.params.length ? " (parameters: " +
        q.params.map(function (p) { return "$" + p; }).join(", ") + ")" : "");
    }
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", "/query?name=" + encodeURIComponent(name));
    }
  }

  load(select.value);
  select.addEventListener("change", function () { load(select.value); });
  document.getElementById("named-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    load(select.value);
    yasgui.getTab().getYasqe().focus();
  });
  window.clausegraphYasgui = yasgui;
})();
