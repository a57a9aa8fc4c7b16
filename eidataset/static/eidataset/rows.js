// Structured JSON inputs (eidataset/structured.py): add a row by copying the last one blank,
// remove a row by emptying and hiding it (an empty row is dropped when the form is saved).
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  function blank(row) {
    row.querySelectorAll("input, textarea").forEach((input) => { input.value = ""; });
    row.querySelectorAll("select").forEach((select) => { select.selectedIndex = 0; });
  }
  document.querySelectorAll(".eid-rows").forEach((widget) => {
    const body = widget.querySelector("tbody");
    widget.querySelector(".eid-add-row").addEventListener("click", () => {
      const row = body.lastElementChild.cloneNode(true);
      row.hidden = false;
      blank(row);
      body.appendChild(row);
      row.querySelector("input, textarea, select").focus();
    });
    body.addEventListener("click", (event) => {
      const button = event.target.closest(".eid-remove-row");
      if (!button) return;
      const row = button.closest("tr");
      blank(row);
      row.hidden = true;
    });
  });
});
