// The editor's preview reloads itself after each save of the content: the server sends a
// `live` event when a save went live and `refused` when it was refused (the page then
// shows what went wrong). Without this script the preview still works: reload by hand.
"use strict";
(function () {
  if (!("EventSource" in window)) return;
  var events = new EventSource("/admin/preview/events");
  var reload = function () { window.location.reload(); };
  events.addEventListener("live", reload);
  events.addEventListener("refused", reload);
})();
