// wasmdesk console: drag a customer onto an organization, double-click to open a customer.
// Pointer events (not HTML5 drag-and-drop) so mouse, touch and pen work alike; without this
// script every action still works through the forms on the page.
"use strict";

(function () {
  const THRESHOLD = 6;
  let drag = null;

  function targetAt(x, y) {
    const element = document.elementFromPoint(x, y);
    return element ? element.closest("section.organization") : null;
  }

  function mark(target) {
    document.querySelectorAll("section.organization.drop-target").forEach((section) => {
      if (section !== target) section.classList.remove("drop-target");
    });
    if (target) target.classList.add("drop-target");
  }

  document.addEventListener("pointerdown", (event) => {
    const row = event.target.closest("li.customer");
    if (!row || event.button !== 0 || event.target.closest("a, input, button, select, label")) return;
    drag = { row, x: event.clientX, y: event.clientY, ghost: null };
  });

  document.addEventListener("pointermove", (event) => {
    if (!drag) return;
    if (!drag.ghost) {
      if (Math.abs(event.clientX - drag.x) + Math.abs(event.clientY - drag.y) < THRESHOLD) return;
      drag.ghost = document.createElement("div");
      drag.ghost.className = "drag-ghost";
      drag.ghost.textContent = drag.row.querySelector("a.name").textContent;
      document.body.appendChild(drag.ghost);
      drag.row.classList.add("dragging");
    }
    drag.ghost.style.left = event.clientX + 8 + "px";
    drag.ghost.style.top = event.clientY + 8 + "px";
    mark(targetAt(event.clientX, event.clientY));
    event.preventDefault();
  });

  function finish(event, drop) {
    if (!drag) return;
    const { row, ghost } = drag;
    drag = null;
    if (!ghost) return;
    ghost.remove();
    row.classList.remove("dragging");
    mark(null);
    if (!drop) return;
    const target = targetAt(event.clientX, event.clientY);
    const from = row.closest("section.organization");
    if (!target || target === from) return;
    const form = row.querySelector("form.move");
    form.querySelector('input[name="organization_id"]').value =
      target.dataset.organizationId || "0";
    form.submit();
  }

  document.addEventListener("pointerup", (event) => finish(event, true));
  document.addEventListener("pointercancel", (event) => finish(event, false));

  document.addEventListener("dblclick", (event) => {
    const row = event.target.closest("li.customer");
    if (!row || event.target.closest("input, button, select, label")) return;
    window.location.assign(row.querySelector("a.name").href);
  });
})();
