'use strict';
// Live preview of a product card in the article admin: when staff pick a
// product (autocomplete), show its image, name and rating at once.
(function($) {
    $(document).on('change', '.dynamic-product_cards select[name$="-product"], #product_cards-group select[name$="-product"]', function() {
        const row = this.closest('tr');
        const preview = row && row.querySelector('.card-preview');
        if (!preview) {
            return;
        }
        if (!this.value) {
            preview.textContent = 'Pick a product to see its card.';
            return;
        }
        const url = preview.dataset.url.replace('/0/', '/' + encodeURIComponent(this.value) + '/');
        fetch(url, {credentials: 'same-origin'})
            .then((response) => response.ok ? response.text() : Promise.reject(response.status))
            .then((html) => { preview.innerHTML = html; })
            .catch(() => { preview.textContent = 'Preview unavailable; the card will still be saved.'; });
    });
})(django.jQuery);
