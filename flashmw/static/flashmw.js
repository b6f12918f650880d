/*! flashmw.js: show the flash messages that flashmw hands the browser.
 *
 * No dependencies, no build step. Load it on any page:
 *
 *   <div id="flashes"></div>
 *   <script src="/_flashes/flashmw.js" defer></script>
 *
 * On page load it fetches the messages from flashmw's JSON endpoint (the
 * directory the script is served from, or data-endpoint="/url") and renders
 * them into the element with id "flashes" (data-container="id"; created at
 * the top of <body> when missing). It also renders the messages that htmx
 * delivers in the "flashmw" event (data-event="name"), so both deliveries
 * look the same. data-fetch="false" turns the fetch off (an htmx page whose
 * server renders the first messages itself).
 *
 * The markup is the Jinja partial's: <ul class="flashes"> of <li> whose
 * class is the category, the text in a live region, role="alert" for
 * error, danger and warning (data-alert="error danger warning"),
 * role="status" otherwise. Text is inserted as text; a message is inserted
 * as HTML only when the server says it was flashed as trusted HTML.
 *
 * window.flashmw.render(messages) renders a list of the same shape;
 * window.flashmw.load() fetches again; window.flashmw.ready is a promise
 * that settles when the page load's fetch is done.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var data = (script && script.dataset) || {};
  var here = script && script.src ? script.src.replace(/\/[^\/]*$/, "") : "";
  var endpoint = data.endpoint || here || "/_flashes";
  var containerId = data.container || "flashes";
  var eventName = data.event || "flashmw";
  var alerts = (data.alert || "error danger warning").split(/\s+/);

  function container() {
    var found = document.getElementById(containerId);
    if (!found) {
      found = document.createElement("div");
      found.id = containerId;
      document.body.insertBefore(found, document.body.firstChild);
    }
    return found;
  }

  function render(messages) {
    if (!Array.isArray(messages) || messages.length === 0) {
      return;
    }
    var root = container();
    var list = root.querySelector("ul.flashes");
    if (!list) {
      list = document.createElement("ul");
      list.className = "flashes";
      root.appendChild(list);
    }
    messages.forEach(function (message) {
      var category = String(message.category);
      var item = document.createElement("li");
      item.className = category;
      var region = document.createElement("span");
      region.setAttribute(
        "role", alerts.indexOf(category) >= 0 ? "alert" : "status"
      );
      item.appendChild(region);
      // The live region joins the page empty and gets its text after:
      // screen readers announce a change to a region more reliably than a
      // region that arrives with its text.
      list.appendChild(item);
      if (message.html === true) {
        region.innerHTML = String(message.message);
      } else {
        region.textContent = String(message.message);
      }
      if (message.count > 1) {
        var count = document.createElement("span");
        count.className = "count";
        count.textContent = "\u00d7" + Number(message.count);
        region.appendChild(document.createTextNode(" "));
        region.appendChild(count);
      }
    });
  }

  function load() {
    return fetch(endpoint, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" }
    })
      .then(function (response) {
        return response.ok ? response.json() : [];
      })
      .then(render, function () {});
  }

  // htmx wraps a detail that is not an object: {value: [...messages]}.
  document.addEventListener(eventName, function (event) {
    var detail = event.detail;
    render(detail && Array.isArray(detail.value) ? detail.value : detail);
  });

  // ready: settles once the page load's fetch is done (at once without it).
  var ready = data.fetch === "false" ? Promise.resolve() : new Promise(
    function (resolve) {
      if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", function () {
          load().then(resolve);
        });
      } else {
        load().then(resolve);
      }
    }
  );
  window.flashmw = { render: render, load: load, ready: ready };
})();
