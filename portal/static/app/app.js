// Sufficiency Portal: starts GOV.UK Frontend's components and sets htmx up to match the
// service's rules (no eval, no inline scripts; error responses are shown, not dropped).
import { initAll } from "../vendor/govuk/govuk-frontend.min.js";

initAll();

if (window.htmx) {
  window.htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "[45]..", swap: true, error: true },
  ];
  // Components inside content that htmx swaps in need starting too.
  document.body.addEventListener("htmx:afterSettle", (event) => {
    initAll({ scope: event.detail.elt });
  });
}
