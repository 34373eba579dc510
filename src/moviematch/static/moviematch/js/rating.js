/* The star widget: every change of a rating form's radios is saved at once (fetch POST with
   the CSRF token in a header). "No rating" clears the rating. Arrow keys change the radio
   on every press, so saves wait a moment for the keys to settle. A saved rating is
   announced to the page as an "mm:rated" event on the form. */
"use strict";
(() => {
  const mm = window.moviematch;
  const DELAY_MS = 350;
  const pending = new WeakMap();

  function checkedValue(form) {
    const input = form.querySelector("input[name=stars]:checked");
    return input ? input.value : "";
  }

  function show(form, state, text) {
    form.dataset.state = state;
    const status = form.querySelector(".mm-stars-status");
    if (status) status.textContent = text;
  }

  function showValue(form) {
    const node = form.querySelector(".mm-stars-value");
    const value = checkedValue(form);
    if (node) node.textContent = value ? `★ ${Number(value)}` : node.dataset.empty || "–";
  }

  async function save(form) {
    const state = pending.get(form);
    if (state.controller) state.controller.abort();
    const controller = new AbortController();
    state.controller = controller;
    const value = checkedValue(form);
    show(form, "saving", mm.t("saving"));
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        signal: controller.signal,
        headers: { Accept: "application/json", "X-CSRFToken": mm.csrf(form) },
      });
      const data = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(data.error || String(response.status));
      show(form, "saved", value ? mm.t("saved") : mm.t("cleared"));
      form.dispatchEvent(new CustomEvent("mm:rated", {
        bubbles: true,
        detail: {
          movieId: data.movie_id, stars: data.stars, ratedCount: data.rated_count, target: data.target,
        },
      }));
    } catch (error) {
      if (error.name === "AbortError") return;
      const reason = error instanceof TypeError ? mm.t("offline") : error.message;
      show(form, "error", mm.t("failed", { reason }));
    }
  }

  document.addEventListener("change", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || input.name !== "stars") return;
    const form = input.closest("form.mm-rate");
    if (!form) return;
    showValue(form);
    const state = pending.get(form) || {};
    pending.set(form, state);
    clearTimeout(state.timer);
    state.timer = setTimeout(() => save(form), DELAY_MS);
  });

  // Without a script the forms post themselves; with one they never do.
  document.addEventListener("submit", (event) => {
    if (event.target instanceof HTMLFormElement && event.target.matches("form.mm-rate")) {
      event.preventDefault();
    }
  });
})();
