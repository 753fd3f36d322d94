// The product page's Buy form, colour swatches and gallery. Without JavaScript
// every colour's photos are on the page, the thumbnails link to their photo,
// and the form sends colour, size and width to /go/, which finds the variant
// (or says it is sold out). With it, a colour shows its gallery alone, sizes
// and widths sold out in the chosen colour and width (or size) are disabled
// and say so, the status line gives the chosen variant's stock and price, and
// Buy opens `/go/…?placement=product-page&variant=ID`, with the article that
// sent the shopper here.
(function () {
  "use strict";

  var form = document.querySelector("[data-buy]");
  if (!form) {
    return;
  }
  var galleries = Array.prototype.slice.call(document.querySelectorAll(".gallery[data-colour]"));
  var swatches = Array.prototype.slice.call(form.querySelectorAll(".swatch[data-colour]"));
  var select = form.querySelector("select[name=size]");
  var widthRadios = Array.prototype.slice.call(form.querySelectorAll("input[type=radio][name=width]"));
  var label = form.querySelector("[data-colour-label]");
  var status = form.querySelector("[data-status]");
  var data = document.getElementById("buy-variants");
  var variants = data ? JSON.parse(data.textContent) : [];
  var defaultStatus = status ? status.textContent : "";

  // The article whose card led here (?article=…&placement=card-2, which the page
  // cache leaves out of its key) travels on to the shop link, to be credited.
  var sent = new URLSearchParams(window.location.search);
  var article = sent.get("article") || "";
  var card = sent.get("placement") || "";
  // So does the newsletter issue that led to that article (?campaign=…, campaign.js).
  var campaign = sent.get("campaign") || "";
  var attribution = "";
  if (/^[-a-zA-Z0-9_]{1,200}$/.test(article)) {
    attribution = "&article=" + encodeURIComponent(article);
    if (/^[-a-z0-9_]{1,40}$/.test(card)) {
      attribution += "&card=" + encodeURIComponent(card);
    }
    if (/^[-a-zA-Z0-9_]{1,200}$/.test(campaign)) {
      attribution += "&campaign=" + encodeURIComponent(campaign);
    }
  }

  function value(name) {
    var field = form.querySelector("input[name=" + name + "]:checked") || form.querySelector("input[type=hidden][name=" + name + "]");
    return field ? field.value : "";
  }

  function find(colour, size, width) {
    for (var i = 0; i < variants.length; i += 1) {
      var v = variants[i];
      if (v.colour === colour && v.size === size && v.width === width) {
        return v;
      }
    }
    return null;
  }

  function buyable(colour, size, width) {
    // size null: any size of that colour and width.
    return variants.some(function (v) {
      return v.colour === colour && v.width === width && (size === null || v.size === size) && v.buyable;
    });
  }

  function mark(textElement, base, soldOut) {
    textElement.textContent = base + (soldOut ? " — sold out" : "");
  }

  function chosenVariant() {
    return select && select.value ? find(value("colour"), select.value, value("width")) : (select ? null : find(value("colour"), value("size"), value("width")));
  }

  function refresh() {
    var colour = value("colour");
    var checked = widthRadios.filter(function (radio) { return radio.checked; })[0];
    // A colour not made (or sold out) in the checked width: take the first width it can be ordered in.
    if (checked && !buyable(colour, null, checked.value)) {
      var other = widthRadios.filter(function (radio) { return buyable(colour, null, radio.value); })[0];
      if (other) {
        other.checked = true;
      }
    }
    var width = value("width");
    var dropped = "";
    if (select) {
      Array.prototype.forEach.call(select.options, function (option) {
        if (!option.value) {
          return;
        }
        var soldOut = !buyable(colour, option.value, width);
        option.disabled = soldOut;
        mark(option, option.value, soldOut);
        if (soldOut && option.selected) {
          dropped = option.value;
        }
      });
      if (dropped) {
        select.value = "";
      }
    }
    var size = select ? (select.value || null) : value("size");
    widthRadios.forEach(function (radio) {
      var soldOut = !buyable(colour, size, radio.value);
      radio.disabled = soldOut && !radio.checked;
      var text = radio.parentNode.querySelector("[data-width-label]");
      mark(text, radio.value || "Regular", soldOut);
    });
    var variant = chosenVariant();
    if (!status) {
      return;
    }
    if (dropped) {
      status.textContent = "Size " + dropped + " is sold out in " + [colour, width].filter(Boolean).join(", ") + ": choose another size.";
    } else if (variant) {
      status.textContent = variant.summary;
    } else {
      status.textContent = defaultStatus;
    }
  }

  function choose(colour) {
    if (!galleries.some(function (g) { return g.getAttribute("data-colour") === colour; })) {
      return false;
    }
    galleries.forEach(function (gallery) {
      gallery.hidden = gallery.getAttribute("data-colour") !== colour;
    });
    swatches.forEach(function (swatch) {
      if (swatch.getAttribute("data-colour") === colour) {
        swatch.querySelector("input").checked = true;
        if (label) {
          label.textContent = swatch.getAttribute("data-name");
        }
      }
    });
    return true;
  }

  swatches.forEach(function (swatch) {
    swatch.querySelector("input").addEventListener("change", function () {
      choose(swatch.getAttribute("data-colour"));
      refresh();
    });
  });
  if (select) {
    select.addEventListener("change", refresh);
  }
  widthRadios.forEach(function (radio) {
    radio.addEventListener("change", refresh);
  });

  // A chosen variant opens its own page at the shop. A link, not the form's own
  // submission: the navigation is the script's, so CSP's form-action does not apply.
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var variant = chosenVariant();
    var href = form.getAttribute("action") + "?placement=product-page" + attribution;
    if (variant) {
      href += "&variant=" + encodeURIComponent(variant.id);
    }
    window.location.assign(href);
  });

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
  var checkedSwatch = swatches.filter(function (swatch) { return swatch.querySelector("input").checked; })[0];
  if (!(fromHash && fromHash !== window.location.hash && choose(fromHash)) && checkedSwatch) {
    choose(checkedSwatch.getAttribute("data-colour"));
  }
  refresh();
})();
