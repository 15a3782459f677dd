// A form sent back with errors: the focus goes to the summary at the top of the page, so that a
// screen reader reads it first and a keyboard user reaches each field through its link.
// A separate file rather than an inline script: the CSP allows only our own scripts and nonces.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
});
