// Filing form: show the "call 17 first" alert as soon as the urgency "immédiate" is chosen.
document.addEventListener("DOMContentLoaded", function () {
  var urgency = document.querySelector("select[name=urgency]");
  var danger = document.querySelector("[data-testid=danger-call]");
  if (!urgency || !danger) {
    return;
  }
  function toggle() {
    danger.hidden = urgency.value !== "immediate";
    if (!danger.hidden) {
      danger.scrollIntoView({ behavior: "smooth", block: "center" });
    }
  }
  urgency.addEventListener("change", toggle);
});
