/* moviematch: helpers shared by the site's scripts (loaded first, all scripts are deferred).
   Texts come from the page (json_script "mm-messages"), in the page's language. */
"use strict";
window.moviematch = (() => {
  const node = document.getElementById("mm-messages");
  const messages = node ? JSON.parse(node.textContent) : {};

  /** A text of the page, with %(name)s placeholders filled in. */
  function t(key, values) {
    let text = key.split(".").reduce((o, k) => (o ? o[k] : undefined), messages);
    if (typeof text !== "string") return "";
    for (const [name, value] of Object.entries(values || {})) {
      text = text.split(`%(${name})s`).join(String(value));
    }
    return text;
  }

  /** The CSRF token of a form of the page (every POST form carries one). */
  function csrf(form) {
    const input = (form || document).querySelector("input[name=csrfmiddlewaretoken]") ||
      document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  /** Parse an HTML fragment of the server (escaped by Django's templates). */
  function fragment(html) {
    const template = document.createElement("template");
    template.innerHTML = html;
    return template.content;
  }

  async function fetchHTML(url, options) {
    const response = await fetch(url, {
      credentials: "same-origin",
      ...options,
      headers: { Accept: "text/html", ...((options && options.headers) || {}) },
    });
    if (response.status === 204) return null;
    if (!response.ok) throw new Error(String(response.status));
    return response.text();
  }

  /** Ids of the movie cards inside scope. */
  function shownIds(scope) {
    return Array.from(scope.querySelectorAll(".mm-card[data-movie-id]"), (c) => c.dataset.movieId);
  }

  /** Drop cards of `root` whose movie is already elsewhere in scope (rows computed twice). */
  function dropDuplicates(root, scope) {
    const seen = new Set(shownIds(scope));
    for (const card of root.querySelectorAll(".mm-card[data-movie-id]")) {
      if (seen.has(card.dataset.movieId)) card.remove();
      else seen.add(card.dataset.movieId);
    }
  }

  return { t, csrf, fragment, fetchHTML, shownIds, dropDuplicates };
})();
