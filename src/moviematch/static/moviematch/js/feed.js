/* Pages that grow: sentinels ([data-mm-lazy]) fetch the next part of the page when they
   come near the viewport (home rows, onboarding cards, similar movies); a card rated on the
   home page is replaced by another recommendation; the onboarding counts ratings and
   replaces a card the visitor has not seen. */
"use strict";
(() => {
  const mm = window.moviematch;

  // --- lazily loaded parts ---------------------------------------------------------------
  const observer = "IntersectionObserver" in window
    ? new IntersectionObserver((entries) => {
      for (const entry of entries) {
        if (entry.isIntersecting) {
          observer.unobserve(entry.target);
          load(entry.target);
        }
      }
    }, { rootMargin: "600px 0px" })
    : null;

  function watch(root) {
    for (const node of root.querySelectorAll("[data-mm-lazy]")) {
      if (observer) observer.observe(node);
    }
  }

  async function load(sentinel) {
    const scope = sentinel.closest("[data-mm-scope]") || document.body;
    let url = sentinel.dataset.url;
    if ("mmSendShown" in sentinel.dataset) {
      url += (url.includes("?") ? "&" : "?") + "shown=" + mm.shownIds(scope).join(",");
    }
    sentinel.setAttribute("aria-busy", "true");
    try {
      const html = await mm.fetchHTML(url);
      const part = mm.fragment(html || "");
      mm.dropDuplicates(part, scope);
      const parent = sentinel.parentNode;
      sentinel.replaceWith(part);
      watch(parent); // the part's own sentinel (observing a node twice is harmless)
    } catch (error) {
      sentinel.removeAttribute("aria-busy");
      const retry = document.createElement("button");
      retry.type = "button";
      retry.className = "btn btn-outline-light";
      retry.textContent = mm.t("loadFailed");
      retry.addEventListener("click", () => { retry.remove(); load(sentinel); });
      sentinel.replaceChildren(retry);
    }
  }

  watch(document);

  // --- home: a rated card makes room for another recommendation -------------------------
  const rows = document.querySelector("[data-mm-replace-url]");
  if (rows) {
    rows.addEventListener("mm:rated", async (event) => {
      if (!event.detail.stars) return;
      const card = event.target.closest(".mm-card");
      const row = card && card.closest(".mm-row");
      if (!card) return;
      const params = new URLSearchParams({
        shown: mm.shownIds(rows).join(","),
        genres: row ? row.dataset.genres : "",
      });
      await new Promise((resolve) => setTimeout(resolve, 600)); // let "Saved" be seen
      let html = null;
      try {
        html = await mm.fetchHTML(`${rows.dataset.mmReplaceUrl}?${params}`);
      } catch (error) {
        html = null;
      }
      replaceCard(card, html);
    });
  }

  function replaceCard(card, html) {
    const next = html ? mm.fragment(html).querySelector(".mm-card") : null;
    card.classList.add("mm-card-removed");
    setTimeout(() => {
      if (next) {
        next.classList.add("mm-card-new");
        card.replaceWith(next);
        const link = next.querySelector(".mm-card-title a");
        if (link && card.contains(document.activeElement)) link.focus();
      } else {
        card.remove();
      }
    }, 250);
  }

  // --- onboarding: the count, the call to go home, "haven't seen it" ---------------------
  function milestone(count, target) {
    if (count >= target) return "done";
    if (count === target - 2) return "almost";
    if (count === Math.ceil(target / 2)) return "half";
    if (count === 1) return "start";
    return "";
  }

  const onboarding = document.querySelector("[data-mm-onboarding]");
  if (onboarding) {
    const countNode = onboarding.querySelector("[data-mm-progress-count]");
    const meter = onboarding.querySelector("[data-mm-progress]");
    const note = onboarding.querySelector("[data-mm-milestone]");
    const done = onboarding.querySelector("[data-mm-done]");
    onboarding.addEventListener("mm:rated", (event) => {
      const { ratedCount, target } = event.detail;
      if (typeof ratedCount !== "number") return;
      countNode.textContent = mm.t("progress", { count: ratedCount, target });
      meter.value = Math.min(ratedCount, target);
      note.textContent = mm.t(`milestones.${milestone(ratedCount, target)}`);
      done.hidden = ratedCount < target;
    });

    onboarding.addEventListener("submit", async (event) => {
      const form = event.target;
      if (!(form instanceof HTMLFormElement) || !form.matches("form.mm-skip")) return;
      event.preventDefault();
      const card = form.closest(".mm-card");
      const body = new FormData(form);
      body.set("fragment", "1");
      body.set("shown", mm.shownIds(onboarding).join(","));
      form.querySelector("button").disabled = true;
      let html = null;
      try {
        html = await mm.fetchHTML(form.action, {
          method: "POST", body, headers: { "X-CSRFToken": mm.csrf(form) },
        });
      } catch (error) {
        form.querySelector("button").disabled = false;
        return;
      }
      replaceCard(card, html);
    });
  }
})();
