/*
 * Country selects as GOV.UK's accessible autocomplete (vendor/accessible-autocomplete.min.js).
 *
 * Without JavaScript the page has a plain <select> of countries by name ("イラン (IR)"); with it
 * the select is hidden and a text box takes its place (and its id, so the label still points at
 * it): typing part of a name in the page's language, or the code, offers the matching countries,
 * and choosing one selects that option, so the form still posts the ISO code. The words the
 * component reads out come from the select's data-* attributes, translated by the server.
 */
(function () {
  "use strict";

  function fold(text) {
    return String(text || "").normalize("NFKC").toLowerCase();
  }

  function optionsOf(select) {
    return Array.prototype.filter.call(select.options, function (option) {
      return option.value !== "";
    });
  }

  function words(select, name, fallback) {
    var value = select.getAttribute("data-t-" + name);
    return value === null ? fallback : value;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (match, key) {
      return key in values ? String(values[key]) : match;
    });
  }

  // Exact code first ("ir" → イラン (IR)), then names starting with the query, then names
  // containing it; each group in the select's own order (sorted by name on the server).
  function source(select) {
    var options = optionsOf(select).map(function (option) {
      return { text: option.textContent, name: fold(option.textContent), code: fold(option.value) };
    });
    return function (query, populate) {
      var q = fold(query).trim();
      if (!q) {
        populate([]);
        return;
      }
      var exact = [];
      var starts = [];
      var contains = [];
      options.forEach(function (option) {
        if (option.code === q) {
          exact.push(option.text);
        } else if (option.name.indexOf(q) === 0) {
          starts.push(option.text);
        } else if (option.name.indexOf(q) !== -1) {
          contains.push(option.text);
        }
      });
      populate(exact.concat(starts, contains));
    };
  }

  function choose(select, text) {
    var value = "";
    optionsOf(select).forEach(function (option) {
      if (option.textContent === text) {
        value = option.value;
      }
    });
    if (select.value !== value) {
      select.value = value;
      // "input", not "change": the field's inline check (hx-trigger="change") would swap the
      // field away while it has the focus; the value is checked when the step is saved.
      select.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  function enhance(select) {
    if (select.getAttribute("data-country-enhanced") === "true" || !window.accessibleAutocomplete) {
      return;
    }
    select.setAttribute("data-country-enhanced", "true");
    var selected = select.options[select.selectedIndex];
    var statusSelected = words(select, "selected", "{option} {index} of {length} is highlighted");
    var statusResults = words(select, "results", "{length} results are available. {selected}");
    window.accessibleAutocomplete.enhanceSelectElement({
      selectElement: select,
      defaultValue: selected && selected.value ? selected.textContent : "",
      source: source(select),
      minLength: 1,
      autoselect: true,
      confirmOnBlur: true,
      displayMenu: "overlay",
      dropdownArrow: function () {
        return "";
      },
      onConfirm: function (text) {
        if (text !== undefined) {
          choose(select, text);
        }
      },
      tNoResults: function () {
        return words(select, "no-results", "No results found");
      },
      tStatusQueryTooShort: function () {
        return "";
      },
      tStatusNoResults: function () {
        return words(select, "no-results", "No results found");
      },
      tStatusSelectedOption: function (option, length, index) {
        return fill(statusSelected, { option: option, length: length, index: index + 1 });
      },
      tStatusResults: function (length, selectedOption) {
        return fill(statusResults, { length: length, selected: selectedOption });
      },
      tAssistiveHint: function () {
        return words(select, "hint", "");
      },
    });
    var input = document.getElementById(select.id.replace(/-select$/, ""));
    if (!input) {
      return;
    }
    var container = input.closest(".autocomplete__wrapper") || input.parentNode;
    // The text box's own change events stay inside: the select is what the form submits.
    container.addEventListener("change", function (event) {
      if (event.target === input) {
        event.stopPropagation();
      }
    });
    // Emptying the box empties the field (a filter back to "any", a required field to blank).
    input.addEventListener("blur", function () {
      if (input.value.trim() === "") {
        choose(select, "");
      }
    });
    var describedBy = select.getAttribute("aria-describedby");
    if (describedBy) {
      var own = input.getAttribute("aria-describedby");
      input.setAttribute("aria-describedby", own ? describedBy + " " + own : describedBy);
    }
    if (select.getAttribute("aria-invalid") === "true") {
      input.setAttribute("aria-invalid", "true");
    }
  }

  function enhanceAll(root) {
    Array.prototype.forEach.call(
      (root || document).querySelectorAll("select[data-country-autocomplete]"),
      enhance
    );
  }

  document.addEventListener("DOMContentLoaded", function () {
    enhanceAll(document);
  });
  // A field or a form that htmx brings in (a step's inline check, a result) is enhanced as well.
  document.addEventListener("htmx:after:settle", function () {
    enhanceAll(document);
  });
})();
