// Import run page: while a task reads the file, poll the run's state every two seconds and update the
// progress; once the task is over, reload the page to show the result.
document.addEventListener("DOMContentLoaded", function () {
  var box = document.querySelector("[data-import-status]");
  if (!box || !window.fetch) {
    return;
  }
  var label = box.querySelector("[data-import-label]");
  var done = box.querySelector("[data-import-done]");
  var bar = box.querySelector("[data-import-bar]");
  function poll() {
    fetch(box.getAttribute("data-import-status"), { credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (state) {
        if (!state) {
          return;
        }
        if (!state.running) {
          window.location.reload();
          return;
        }
        label.textContent = state.label;
        done.textContent = state.rows_done;
        bar.max = Math.max(state.rows_total, 1);
        bar.value = state.rows_done;
        bar.textContent = state.rows_done;
        window.setTimeout(poll, 2000);
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }
  window.setTimeout(poll, 1000);
});
