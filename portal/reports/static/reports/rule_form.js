// The recommendation rule form (portal/reports): rows of conditions and examples, the value control that fits the
// chosen fact, facts of the rule's scope only, placeholders inserted into the text, the measures filter.
// Without this script the form still works: rows are posted as they are and checked on the server.
(function () {
  "use strict";
  var CHOICES = {
    bool: [["true", "да"], ["false", "нет"]],
    level: [["3", "высокий"], ["2", "средний"], ["1", "низкий"]]
  };
  var HINTS = {
    bool: "да или нет", level: "высокий, средний, низкий", pct: "процент, например 75",
    pp: "п.п., например −5", count: "количество", number: "число", text: "текст"
  };

  function kindOf(select) {
    var option = select.options[select.selectedIndex];
    return (option && option.getAttribute("data-kind")) || "number";
  }

  function fitValue(row) {
    var fact = row.querySelector("[data-fact]");
    if (!fact) { return; }
    var kind = kindOf(fact);
    var choice = row.querySelector("[data-choice]");
    var value = row.querySelector("[data-value]");
    var op = row.querySelector("[data-op]");
    if (choice && value) {
      var options = CHOICES[kind];
      if (options) {
        var keep = choice.value;
        choice.innerHTML = "";
        options.forEach(function (pair) {
          var o = document.createElement("option");
          o.value = pair[0]; o.textContent = pair[1];
          if (pair[0] === keep) { o.selected = true; }
          choice.appendChild(o);
        });
        choice.hidden = false; choice.disabled = false;
        value.hidden = true; value.disabled = true;
      } else {
        choice.hidden = true; choice.disabled = true;
        value.hidden = false; value.disabled = false;
      }
    }
    if (op) {
      Array.prototype.forEach.call(op.options, function (o) {
        o.disabled = kind === "bool" && o.value !== "==" && o.value !== "!=";
      });
      if (op.selectedOptions[0] && op.selectedOptions[0].disabled) { op.value = "=="; }
    }
    row.querySelectorAll("[data-hint]").forEach(function (input) {
      input.placeholder = fact.value ? (HINTS[kind] || "") : "";
    });
  }

  function scopeOf(form) {
    var scope = form.querySelector("[name=scope]");
    return scope ? scope.value : "school";
  }

  function applyScope(form) {
    var scope = scopeOf(form);
    form.querySelectorAll("optgroup[data-scope]").forEach(function (group) {
      var off = group.getAttribute("data-scope") !== scope;
      group.hidden = off;
      Array.prototype.forEach.call(group.children, function (o) { o.disabled = off && !o.selected; });
    });
    form.querySelectorAll("[data-fact-option]").forEach(function (label) {
      var input = label.querySelector("input");
      label.hidden = label.getAttribute("data-scope") !== null && label.getAttribute("data-scope") !== scope &&
        !(input && input.checked);
    });
  }

  function addRow(form, prefix) {
    var list = form.querySelector('[data-rows="' + prefix + '"]');
    var template = form.querySelector('template[data-template="' + prefix + '"]');
    if (!list || !template) { return; }
    var next = parseInt(list.getAttribute("data-next") || "0", 10);
    var html = template.innerHTML.split("__i__").join(String(next));
    list.setAttribute("data-next", String(next + 1));
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    var row = holder.firstElementChild;
    list.appendChild(row);
    applyScope(form);
    fitValue(row);
    var first = row.querySelector("select, input");
    if (first) { first.focus(); }
  }

  // Where the cursor was when the text was last edited; a text never touched gets the value at its end.
  function insertAtCursor(area, text) {
    var touched = area.getAttribute("data-touched") === "1";
    var start = touched ? area.selectionStart : area.value.length;
    var end = touched ? area.selectionEnd : area.value.length;
    var before = area.value.slice(0, start);
    var after = area.value.slice(end);
    if (before && !/[\s(«"]$/.test(before)) { text = " " + text; }
    if (after && !/^[\s).,;:!?»"]/.test(after)) { text = text + " "; }
    area.value = before + text + after;
    area.focus();
    area.selectionStart = area.selectionEnd = before.length + text.length;
    area.setAttribute("data-touched", "1");
  }

  function init(form) {
    form.querySelectorAll("[data-row]").forEach(fitValue);
    applyScope(form);
    form.addEventListener("change", function (event) {
      var target = event.target;
      if (target.matches("[data-fact]")) { fitValue(target.closest("[data-row]")); }
      if (target.name === "scope") { applyScope(form); }
    });
    form.addEventListener("click", function (event) {
      var target = event.target.closest("button");
      if (!target) { return; }
      if (target.hasAttribute("data-add")) {
        event.preventDefault();
        addRow(form, target.getAttribute("data-add"));
      } else if (target.hasAttribute("data-remove")) {
        event.preventDefault();
        var row = target.closest("[data-row]");
        var list = row.parentNode;
        row.parentNode.removeChild(row);
        var focus = list.querySelector("select, input");
        if (focus) { focus.focus(); }
      } else if (target.hasAttribute("data-insert")) {
        event.preventDefault();
        var area = document.getElementById(target.getAttribute("data-insert"));
        var source = form.querySelector("[data-insert-source]");
        if (area && source && source.value) { insertAtCursor(area, "{" + source.value + "}"); }
      }
    });
    form.querySelectorAll("textarea").forEach(function (area) {
      ["keyup", "mouseup", "focus"].forEach(function (name) {
        area.addEventListener(name, function () { area.setAttribute("data-touched", "1"); });
      });
    });
    form.querySelectorAll("[data-filter]").forEach(function (input) {
      var list = document.getElementById(input.getAttribute("data-filter"));
      input.addEventListener("input", function () {
        var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
        list.querySelectorAll("label").forEach(function (label) {
          var text = label.textContent.toLowerCase();
          label.hidden = !words.every(function (w) { return text.indexOf(w) >= 0; });
        });
      });
      input.addEventListener("keydown", function (event) { if (event.key === "Enter") { event.preventDefault(); } });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-rule-form]").forEach(init);
  });
})();
