/* Django's filter_horizontal widget (SelectFilter2.js) names its two search icons
   with aria-label on a bare <span>, which ARIA does not allow there (axe:
   aria-prohibited-attr): as an image the label is allowed and read.
   SelectFilter2 builds the widget on load: this runs after it. */
"use strict";
window.addEventListener("load", function () {
  setTimeout(function () {
    for (const icon of document.querySelectorAll(".selector .search-label-icon[aria-label]:not([role])")) {
      icon.setAttribute("role", "img");
    }
  });
});
