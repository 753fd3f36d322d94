// The product page's colour swatches and gallery. Without JavaScript every
// colour's photos are on the page, each swatch links to its gallery and the
// thumbnails link to their photo. With it, a swatch shows its colour's
// gallery alone and offers only that colour's sizes, and the Buy link opens
// the chosen size at the shop (`/go/…&variant=ID`).
(function () {
  "use strict";

  var form = document.querySelector("[data-buy]");
  if (!form) {
    return;
  }
  var galleries = Array.prototype.slice.call(document.querySelectorAll(".gallery[data-colour]"));
  var swatches = Array.prototype.slice.call(form.querySelectorAll(".swatch[data-colour]"));
  var select = form.querySelector("select.buy__select");
  var label = form.querySelector("[data-colour-label]");
  var status = form.querySelector("[data-status]");
  var buy = form.querySelector("[data-buy-link]");
  var buyHref = buy && buy.getAttribute("href");
  // The article whose card led here (?article=…&placement=card-2, which the page
  // cache leaves out of its key) travels on to the shop link, to be credited.
  var sent = new URLSearchParams(window.location.search);
  var article = sent.get("article") || "";
  var card = sent.get("placement") || "";
  // So does the newsletter issue that led to that article (?campaign=…, campaign.js).
  var campaign = sent.get("campaign") || "";
  if (buyHref && /^[-a-zA-Z0-9_]{1,200}$/.test(article)) {
    buyHref += "&article=" + encodeURIComponent(article);
    if (/^[-a-z0-9_]{1,40}$/.test(card)) {
      buyHref += "&card=" + encodeURIComponent(card);
    }
    if (/^[-a-zA-Z0-9_]{1,200}$/.test(campaign)) {
      buyHref += "&campaign=" + encodeURIComponent(campaign);
    }
  }
  var groups = select ? Array.prototype.slice.call(select.querySelectorAll("optgroup[data-colour]")) : [];

  function choose(colour) {
    if (!galleries.some(function (g) { return g.getAttribute("data-colour") === colour; })) {
      return;
    }
    galleries.forEach(function (gallery) {
      gallery.hidden = gallery.getAttribute("data-colour") !== colour;
    });
    swatches.forEach(function (swatch) {
      var chosen = swatch.getAttribute("data-colour") === colour;
      swatch.setAttribute("aria-current", chosen ? "true" : "false");
      if (chosen && label) {
        label.textContent = swatch.getAttribute("data-name");
      }
    });
    if (groups.length > 1) {
      groups.forEach(function (group) {
        var other = group.getAttribute("data-colour") !== colour;
        group.disabled = other;
        group.hidden = other;
      });
      var picked = select.selectedOptions[0];
      if (picked && picked.parentNode.disabled) {
        select.value = "";
        showStatus();
      }
    }
  }

  function showStatus() {
    var picked = select && select.selectedOptions[0];
    if (status && picked && picked.value) {
      status.textContent = picked.getAttribute("data-summary");
    }
    if (buy) {
      buy.setAttribute("href", buyHref + (picked && picked.value ? "&variant=" + encodeURIComponent(picked.value) : ""));
    }
  }

  swatches.forEach(function (swatch) {
    swatch.addEventListener("click", function (event) {
      event.preventDefault();
      choose(swatch.getAttribute("data-colour"));
    });
  });
  if (select) {
    select.addEventListener("change", showStatus);
  }

  // Thumbnails scroll their gallery to the photo instead of jumping the page.
  galleries.forEach(function (gallery) {
    var thumbs = Array.prototype.slice.call(gallery.querySelectorAll(".gallery__thumb"));
    thumbs.forEach(function (thumb) {
      thumb.addEventListener("click", function (event) {
        var slide = document.getElementById(thumb.getAttribute("href").slice(1));
        if (!slide) {
          return;
        }
        event.preventDefault();
        slide.parentNode.scrollTo({ left: slide.offsetLeft - slide.parentNode.offsetLeft, behavior: "smooth" });
        thumbs.forEach(function (other) { other.setAttribute("aria-current", other === thumb ? "true" : "false"); });
      });
    });
  });

  var fromHash = window.location.hash.replace(/^#gallery-/, "");
  choose(fromHash && fromHash !== window.location.hash ? fromHash : (swatches[0] && swatches[0].getAttribute("data-colour")));
  showStatus();
})();
