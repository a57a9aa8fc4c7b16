// The admin's job page: poll the job's live status and redraw it; pause, resume and cancel
// through the REST API (POST with the CSRF token). No page reload.
// Loaded in the page's head (admin Media): start once the panel is in the document.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  const panel = document.querySelector(".eid-live");
  if (!panel) return;
  const EVERY_MS = 2000;

  function csrfToken() {
    const field = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (field) return field.value;
    const cookie = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
    return cookie ? decodeURIComponent(cookie.split("=")[1]) : "";
  }

  function draw(live) {
    panel.querySelectorAll("[data-live]").forEach((element) => {
      const value = live[element.dataset.live];
      element.textContent = value === null || value === undefined ? "" : value;
    });
    const bar = panel.querySelector(".eid-progress");
    bar.setAttribute("aria-valuenow", live.percent);
    bar.querySelector("span").style.width = live.percent + "%";
    panel.querySelector(".eid-worker-warning").hidden = !live.workerWarning;
    Object.entries(live.actions).forEach(([verb, allowed]) => {
      panel.querySelector(`[data-action=${verb}]`).hidden = !allowed;
    });
    panel.dataset.status = live.status;
  }

  function say(text) {
    panel.querySelector(".eid-live-message").textContent = text;
  }

  async function refresh() {
    try {
      const response = await fetch(panel.dataset.liveUrl, { headers: { Accept: "application/json" } });
      if (response.ok) draw(await response.json());
      else {
        // e.g. 503 while the database is unreachable: its plain reason
        const body = await response.json().catch(() => ({}));
        say(body.detail || `Could not refresh (${response.status}).`);
      }
    } catch (error) {
      say("Could not reach the server; trying again.");
    }
  }

  async function act(button) {
    if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
    const verb = button.dataset.action;
    button.disabled = true;
    try {
      const response = await fetch(panel.dataset[verb + "Url"], {
        method: "POST",
        headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
        credentials: "same-origin",
      });
      const body = await response.json().catch(() => ({}));
      say(response.ok ? "" : body.detail || `Refused (${response.status}).`);
    } finally {
      button.disabled = false;
      await refresh();
    }
  }

  panel.querySelectorAll("[data-action]").forEach((button) => {
    button.addEventListener("click", () => act(button));
  });
  setInterval(refresh, EVERY_MS);
});
