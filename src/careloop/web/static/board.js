// The live board refreshes every few seconds; a refresh would throw away an agent being chosen
// in one of its forms, so it waits while a form of the board has focus or a choice pending.
document.addEventListener("htmx:beforeRequest", function (event) {
  var live = document.getElementById("board-live");
  if (!live || event.detail.elt !== live) return;
  var active = document.activeElement;
  var choosing = active && live.contains(active) && active.closest("form");
  var pending = Array.prototype.some.call(live.querySelectorAll("form select"), function (s) {
    return s.value !== "";
  });
  if (choosing || pending) event.preventDefault();
});
