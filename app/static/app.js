// Plomba's own behaviour: small, no inline handlers (the CSP forbids them).
document.addEventListener("click", function (event) {
  var toggle = event.target.closest("[data-toggle-nav]");
  if (toggle) {
    var nav = document.getElementById("sidenav");
    var open = nav.classList.toggle("open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }
  var confirmable = event.target.closest("[data-confirm]");
  if (confirmable && !window.confirm(confirmable.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});

// htmx builds no URL from a field's value and renames no parameter without eval (switched
// off): "{name}" in a request path takes the value of the form's field of that name (no request
// while it is empty), and data-param-NAME="#field" sends that field's value as NAME.
document.addEventListener("htmx:configRequest", function (event) {
  var elt = event.detail.elt;
  var scope = elt.form || document;
  var missing = false;
  event.detail.path = event.detail.path.replace(/\{(\w+)\}|%7B(\w+)%7D/g, function (_m, a, b) {
    var field = scope.querySelector('[name="' + (a || b) + '"]');
    if (!field || !field.value) {
      missing = true;
      return "";
    }
    return encodeURIComponent(field.value);
  });
  if (missing) {
    event.preventDefault();
    return;
  }
  Array.prototype.forEach.call(elt.attributes, function (attr) {
    if (attr.name.indexOf("data-param-") === 0) {
      var source = document.querySelector(attr.value);
      event.detail.parameters[attr.name.slice("data-param-".length)] = source ? source.value : "";
    }
  });
});

// A select marked data-choice is refused only for what was chosen (nothing, or a record that
// is gone), so the server's error about it no longer applies once a value is picked or its
// options are refreshed.
function clearChoiceError(select) {
  if (!select.matches || !select.matches("select[data-choice]") || !select.value) {
    return;
  }
  var error = document.getElementById(select.id + "-error");
  if (error) {
    error.textContent = "";
  }
  select.removeAttribute("aria-invalid");
  var field = select.closest(".field");
  if (field) {
    field.classList.remove("has-error");
  }
}
document.addEventListener("change", function (event) { clearChoiceError(event.target); });
document.addEventListener("htmx:afterSwap", function (event) { clearChoiceError(event.target); });

// On a phone a table row is a card (app.css); each cell is labelled with its column's heading
// so that "12,00" still says what it is. Runs for the page and for every htmx swap.
function labelCells(root) {
  var tables = root.querySelectorAll ? root.querySelectorAll("table.table") : [];
  if (root.matches && root.matches("table.table")) {
    tables = [root];
  }
  Array.prototype.forEach.call(tables, function (table) {
    var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    Array.prototype.forEach.call(table.querySelectorAll("tbody tr"), function (row) {
      var column = 0;
      Array.prototype.forEach.call(row.cells, function (cell) {
        var label = heads[column];
        if (label && cell.colSpan === 1 && !cell.hasAttribute("data-label")) {
          cell.setAttribute("data-label", label);
        }
        column += cell.colSpan;
      });
    });
  });
}
// A field's error text (id "<field>-error") is a live region: an inline check or a swap that
// puts a message into it is read out to screen reader users.
function announceErrors(root) {
  var errors = root.querySelectorAll ? root.querySelectorAll(".error[id$='-error']") : [];
  Array.prototype.forEach.call(errors, function (error) {
    error.setAttribute("aria-live", "polite");
  });
}
document.addEventListener("htmx:load", function (event) {
  labelCells(event.detail.elt);
  announceErrors(event.detail.elt);
});
document.addEventListener("DOMContentLoaded", function () {
  labelCells(document);
  announceErrors(document);
});

// Tabs (role="tab"): only the selected one is in the tab order; the arrow keys, Home and End
// move between them, Enter or Space opens the focused one (it is a link).
document.addEventListener("keydown", function (event) {
  var tab = event.target.closest && event.target.closest('[role="tab"]');
  if (!tab) {
    return;
  }
  var tabs = Array.prototype.slice.call(
    tab.closest('[role="tablist"]').querySelectorAll('[role="tab"]'));
  var index = tabs.indexOf(tab);
  var next = {ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1}[event.key];
  if (next === undefined) {
    if (event.key === " ") {
      event.preventDefault();
      tab.click();
    }
    return;
  }
  event.preventDefault();
  tabs[(next + tabs.length) % tabs.length].focus();
});
