// The review page's checklist: a running tally per category and the verdict it would give,
// keyboard shortcuts, and a confirmation before a rejection that pays for a regeneration.
(function () {
  "use strict";
  const form = document.getElementById("checklist");
  if (!form) return;
  const categories = Array.from(form.querySelectorAll("fieldset[data-category]"));
  const boxes = Array.from(form.querySelectorAll("fieldset[data-category] input[type=checkbox]"));
  const confirmBox = form.querySelector("input[name=confirm_rejection]");
  const dialog = document.getElementById("confirm-reject");
  const projected = document.getElementById("projected");
  let submitter = null;

  function passed() {
    return categories.filter(function (fieldset) {
      return Array.from(fieldset.querySelectorAll("input[type=checkbox]")).every(function (box) {
        return box.checked;
      });
    }).length;
  }

  function verdict(count) {
    if (count === categories.length) return ["approved", "Approved"];
    if (count === categories.length - 1) return ["approved_with_notes", "Approved with notes"];
    return ["rejected", "Rejected: the conversation is written again"];
  }

  function refresh() {
    categories.forEach(function (fieldset) {
      const own = Array.from(fieldset.querySelectorAll("input[type=checkbox]"));
      const ticked = own.filter(function (box) { return box.checked; }).length;
      fieldset.querySelector(".tally").textContent = ticked + "/" + own.length;
      fieldset.classList.toggle("complete", ticked === own.length);
    });
    const count = passed();
    const [key, words] = verdict(count);
    projected.textContent = count + " of " + categories.length + " categories pass → " + words;
    projected.className = "projected " + key;
    const all = boxes.filter(function (box) { return box.checked; }).length;
    document.querySelectorAll(".tally-all").forEach(function (node) {
      node.textContent = "(" + all + "/" + boxes.length + ")";
    });
  }

  function needsConfirmation() {
    return form.dataset.regenerates === "true" && passed() <= categories.length - 2 &&
      !confirmBox.checked;
  }

  form.addEventListener("change", refresh);
  form.addEventListener("submit", function (event) {
    if (!needsConfirmation()) return;
    event.preventDefault();
    submitter = event.submitter || document.getElementById("save-next");
    dialog.querySelector("[data-confirm=passed]").textContent = passed();
    dialog.showModal();
  });
  document.getElementById("confirm-reject-yes").addEventListener("click", function () {
    confirmBox.checked = true;
    dialog.close();
    form.requestSubmit(submitter);
  });
  document.getElementById("confirm-reject-no").addEventListener("click", function () {
    dialog.close();
  });

  function move(step) {
    const at = boxes.indexOf(document.activeElement);
    const next = at < 0 ? (step > 0 ? 0 : boxes.length - 1)
      : Math.min(Math.max(at + step, 0), boxes.length - 1);
    boxes[next].focus();
  }

  function toggleCategory(number) {
    const fieldset = categories[number - 1];
    if (!fieldset) return;
    const own = Array.from(fieldset.querySelectorAll("input[type=checkbox]"));
    const tick = !own.every(function (box) { return box.checked; });
    own.forEach(function (box) { box.checked = tick; });
    own[0].focus();
    refresh();
  }

  function save() {
    form.requestSubmit(document.getElementById("save-next"));
  }

  document.addEventListener("keydown", function (event) {
    if (dialog.open) return;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      save();
      return;
    }
    const target = event.target;
    const typing = target.tagName === "TEXTAREA" || target.tagName === "SELECT" ||
      (target.tagName === "INPUT" && target.type !== "checkbox");
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    const actions = {
      j: function () { move(1); },
      k: function () { move(-1); },
      x: function () {
        if (boxes.indexOf(document.activeElement) >= 0) {
          document.activeElement.checked = !document.activeElement.checked;
          refresh();
        }
      },
      a: function () { boxes.forEach(function (box) { box.checked = true; }); refresh(); },
      n: function () { form.querySelector("textarea[name=notes]").focus(); },
      s: save,
    };
    if (/^[1-9]$/.test(event.key)) {
      event.preventDefault();
      toggleCategory(Number(event.key));
    } else if (actions[event.key]) {
      event.preventDefault();
      actions[event.key]();
    }
  });
  refresh();
})();
