/*
 * The filing form: show the fields that apply to the answer given (list row and item code for a
 * listed item, key technology for technology or software, the inform notice reference when one
 * was received). Without JavaScript every field stays visible and the server checks them all.
 */
(function () {
  "use strict";

  function currentValues(form, name) {
    var values = [];
    Array.prototype.forEach.call(form.querySelectorAll("[name='" + name + "']"), function (input) {
      if (input.type === "radio" || input.type === "checkbox") {
        if (input.checked) {
          values.push(input.type === "checkbox" ? "on" : input.value);
        }
      } else if (input.value) {
        values.push(input.value);
      }
    });
    return values;
  }

  function update(form) {
    Array.prototype.forEach.call(form.querySelectorAll("[data-show-when]"), function (block) {
      var rule = block.getAttribute("data-show-when").split("=");
      var wanted = rule[1].split(",");
      var shown = currentValues(form, rule[0]).some(function (value) {
        return wanted.indexOf(value) !== -1;
      });
      block.hidden = !shown;
    });
  }

  function setUp(form) {
    update(form);
    form.addEventListener("change", function () {
      update(form);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-filing-form]"), setUp);
  });
})();
