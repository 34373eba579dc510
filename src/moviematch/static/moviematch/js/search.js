/* Search: suggestions under the header's search box after two letters (debounced, and not
   while a Korean syllable is still being composed), and "Load more" on the results page. */
"use strict";
(() => {
  const mm = window.moviematch;
  const MIN_CHARS = 2;
  const DELAY_MS = 200;

  // --- "Load more" ----------------------------------------------------------------------
  document.addEventListener("click", async (event) => {
    const link = event.target instanceof Element && event.target.closest("a[data-mm-more]");
    if (!link) return;
    event.preventDefault();
    const box = link.closest(".mm-more");
    const scope = link.closest("[data-mm-scope]") || document.body;
    link.setAttribute("aria-busy", "true");
    link.textContent = mm.t("loading");
    try {
      const part = mm.fragment(await mm.fetchHTML(link.dataset.url) || "");
      mm.dropDuplicates(part, scope);
      const first = part.querySelector(".mm-card-title a");
      box.replaceWith(part);
      if (first) first.focus();
    } catch (error) {
      link.textContent = mm.t("loadFailed");
      link.removeAttribute("aria-busy");
    }
  });

  // --- suggestions ----------------------------------------------------------------------
  const input = document.getElementById("mm-q");
  const list = document.getElementById("mm-suggest");
  if (!input || !list) return;
  let timer = 0;
  let composing = false;
  let active = -1;
  let controller = null;

  function close() {
    list.hidden = true;
    list.replaceChildren();
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function options() {
    return Array.from(list.querySelectorAll("[role=option]"));
  }

  function highlight(index) {
    const items = options();
    if (!items.length) return;
    active = (index + items.length) % items.length;
    items.forEach((item, i) => item.setAttribute("aria-selected", String(i === active)));
    input.setAttribute("aria-activedescendant", items[active].id);
  }

  function render(results) {
    list.replaceChildren();
    if (!results.length) {
      const empty = document.createElement("li");
      empty.className = "mm-suggest-empty";
      empty.textContent = mm.t("noResults");
      list.append(empty);
    }
    results.forEach((movie, i) => {
      const item = document.createElement("li");
      item.id = `mm-suggest-${i}`;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      const link = document.createElement("a");
      link.href = movie.url;
      link.tabIndex = -1;
      link.textContent = movie.title;
      if (movie.year) {
        const year = document.createElement("span");
        year.className = "mm-suggest-year";
        year.textContent = `(${movie.year})`;
        link.append(year);
      }
      item.append(link);
      list.append(item);
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    active = -1;
  }

  async function suggest() {
    const query = input.value.trim();
    if (query.length < MIN_CHARS) { close(); return; }
    if (controller) controller.abort();
    controller = new AbortController();
    try {
      const response = await fetch(`${input.dataset.suggestUrl}?q=${encodeURIComponent(query)}`, {
        headers: { Accept: "application/json" }, signal: controller.signal,
      });
      if (!response.ok) return;
      const data = await response.json();
      if (input.value.trim() === query) render(data.results || []);
    } catch (error) {
      /* aborted or offline: the form still submits to the search page */
    }
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(suggest, DELAY_MS);
  }

  input.addEventListener("compositionstart", () => { composing = true; });
  input.addEventListener("compositionend", () => { composing = false; schedule(); });
  input.addEventListener("input", () => { if (!composing) schedule(); });
  input.addEventListener("keydown", (event) => {
    if (event.isComposing) return;
    if (event.key === "ArrowDown") { event.preventDefault(); highlight(active + 1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
    else if (event.key === "Escape") { close(); }
    else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      const link = options()[active].querySelector("a");
      if (link) window.location.assign(link.href);
    }
  });
  document.addEventListener("click", (event) => {
    if (!(event.target instanceof Node) || !input.form.contains(event.target)) close();
  });
})();
