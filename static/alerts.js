// Filing form. Loaded as a file (the CSP allows no inline script).
document.addEventListener("DOMContentLoaded", function () {
  // The "call 17 first" alert, as soon as the urgency "immédiate" is chosen.
  var urgency = document.querySelector("select[name=urgency]");
  var danger = document.querySelector("[data-testid=danger-call]");
  if (urgency && danger) {
    urgency.addEventListener("change", function () {
      danger.hidden = urgency.value !== "immediate";
      if (!danger.hidden) {
        danger.scrollIntoView({ behavior: "smooth", block: "center" });
      }
    });
  }

  // Progressive disclosure: an element marked data-shown-when="question=value1,value2" shows only
  // while the question has one of those answers (a ticked checkbox answers "on"). Hidden fields are
  // disabled too, so an answer typed before changing one's mind is not sent.
  var dependents = document.querySelectorAll("[data-shown-when]");
  if (!dependents.length) {
    return;
  }
  var form = dependents[0].closest("form");

  function answer(name) {
    var inputs = form.querySelectorAll("[name='" + name + "']");
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      if (input.type === "checkbox" || input.type === "radio") {
        if (input.checked) {
          return input.value;
        }
      } else {
        return input.value;
      }
    }
    return "";
  }

  function update() {
    dependents.forEach(function (element) {
      var condition = element.dataset.shownWhen.split("=");
      var shown = condition[1].split(",").indexOf(answer(condition[0])) !== -1;
      element.hidden = !shown;
      element.querySelectorAll("input, select, textarea").forEach(function (field) {
        field.disabled = !shown;
      });
    });
  }

  form.addEventListener("change", update);
  update();
});
