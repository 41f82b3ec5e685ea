/*
 * List import form: show only the file fields of the chosen list source. Without this script
 * every field stays visible and the server still checks that the right files came with the
 * chosen source.
 */
(function () {
  "use strict";

  function update(form) {
    var checked = form.querySelector("input[name='source']:checked");
    var source = checked ? checked.value : "";
    var groups = form.querySelectorAll("[data-source]");
    Array.prototype.forEach.call(groups, function (group) {
      group.hidden = group.getAttribute("data-source") !== source;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("import-form");
    if (!form) {
      return;
    }
    form.addEventListener("change", function (event) {
      if (event.target && event.target.name === "source") {
        update(form);
      }
    });
    update(form);
  });
})();
