// Enhancement only: the page works without this script.
// Adds a "copy" button beside the calendar-subscribe link, so a parent can
// paste the feed's web address into a calendar app that asks for one.
document.addEventListener("DOMContentLoaded", function () {
  if (!navigator.clipboard) return;
  var sv = document.documentElement.lang === "sv";
  document.querySelectorAll("a[data-feed]").forEach(function (a) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "copy";
    b.textContent = sv ? "Kopiera adressen" : "Copy the address";
    b.addEventListener("click", function () {
      navigator.clipboard.writeText(a.dataset.feed).then(function () {
        b.textContent = sv ? "Kopierad" : "Copied";
      });
    });
    a.insertAdjacentElement("afterend", b);
  });
});
