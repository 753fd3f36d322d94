// An issue's article link opens the article with ?utm_medium=email&utm_campaign=<issue>
// (which the page cache leaves out of its key, so every reader gets the one cached
// page). Its product cards' links to the product page carry the campaign on as
// ?campaign=…, the way they carry the article, for the Buy link there to credit the
// issue (product.js, products.views.go).
(function () {
  "use strict";

  var sent = new URLSearchParams(window.location.search);
  var campaign = sent.get("utm_campaign") || "";
  if (sent.get("utm_medium") !== "email" || !/^[-a-zA-Z0-9_]{1,200}$/.test(campaign)) {
    return;
  }
  Array.prototype.forEach.call(document.querySelectorAll(".product-card a[href*='?article=']"), function (link) {
    var url = new URL(link.getAttribute("href"), window.location.href);
    url.searchParams.set("campaign", campaign);
    link.setAttribute("href", url.pathname + url.search + url.hash);
  });
})();
