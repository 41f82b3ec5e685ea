/*
 * The filing form: leaving a step with unsaved input asks first. A form marked
 * data-unsaved-guard becomes "dirty" when something is typed or chosen in it and clean again when
 * it is submitted (by its own button, or by a button outside it that names it with form=…).
 * While any such form is dirty, leaving the page (a link, Back, closing the tab) asks the
 * browser's own "Leave site?" question. Without JavaScript nothing changes: the pages save only
 * what is submitted, and "Continue" submits the step's add form.
 */
(function () {
  "use strict";

  var dirty = [];

  function guardedForm(element) {
    var form = element && (element.form || (element.closest && element.closest("form")));
    return form && form.hasAttribute("data-unsaved-guard") ? form : null;
  }

  function markDirty(event) {
    var form = guardedForm(event.target);
    if (form && dirty.indexOf(form) === -1) {
      dirty.push(form);
    }
  }

  document.addEventListener("input", markDirty);
  document.addEventListener("change", markDirty);

  // Capture phase: cleared before the navigation that the submission starts.
  document.addEventListener(
    "submit",
    function (event) {
      var index = dirty.indexOf(event.target);
      if (index !== -1) {
        dirty.splice(index, 1);
      }
    },
    true
  );

  window.addEventListener("beforeunload", function (event) {
    if (dirty.length) {
      event.preventDefault();
      // Older browsers need a return value; none of them shows this text any more.
      event.returnValue = "";
      return "";
    }
    return undefined;
  });
})();
