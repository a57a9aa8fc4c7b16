// A release's page while its build or publication runs in a worker: poll its status every
// 2 s and redraw the step, bar and outcome; once it ends, reload once to show the files.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  const panel = document.querySelector(".eid-release-work");
  if (!panel || !panel.dataset.open) return;
  const EVERY_MS = 2000;

  function draw(work) {
    panel.querySelectorAll("[data-work]").forEach((element) => {
      const value = work[element.dataset.work];
      element.textContent = value === null || value === undefined ? "" : value;
    });
    const bar = panel.querySelector(".eid-progress");
    bar.setAttribute("aria-valuenow", work.percent);
    bar.querySelector("span").style.width = work.percent + "%";
    bar.hidden = !work.showBar;
    panel.querySelector(".eid-worker-warning").hidden = !work.workerWarning;
    panel.dataset.status = work.status;
  }

  async function refresh() {
    try {
      const response = await fetch(panel.dataset.workUrl, { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const work = await response.json();
      draw(work);
      if (!work.open) {
        clearInterval(timer);
        window.location.reload();
      }
    } catch (error) {
      // the server is restarting: the next poll tries again
    }
  }

  const timer = setInterval(refresh, EVERY_MS);
});
