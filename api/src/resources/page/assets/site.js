// Enhancement only: the page works without this script.
// Adds a "copy" button beside the calendar-feed link, so a parent can paste
// the subscription address into a calendar app.
document.addEventListener("DOMContentLoaded", function () {
  if (!navigator.clipboard) return;
  var sv = document.documentElement.lang === "sv";
  document.querySelectorAll('a[href^="/v1/sessions.ics"]').forEach(function (a) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "copy";
    b.textContent = sv ? "Kopiera adressen" : "Copy the address";
    b.addEventListener("click", function () {
      navigator.clipboard.writeText(a.href).then(function () {
        b.textContent = sv ? "Kopierad" : "Copied";
      });
    });
    a.insertAdjacentElement("afterend", b);
  });
});
