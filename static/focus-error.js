// A comment form sent back with mistakes: move focus to the error summary, so that a
// screen reader reads it out and the keyboard starts from it. Without this script the form
// still works: it is posted to `#error-summary`, so the page opens scrolled to the summary
// and the next Tab goes to its first link.
"use strict";
(function () {
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
