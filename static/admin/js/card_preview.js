'use strict';
// The article admin's product cards:
// - a live preview of the picked product (image, name, rating), fetched when
//   staff pick a product with the autocomplete;
// - the section a card follows can be one added in the same form: its select
//   lists the new section rows as "New: <heading>" (value "new:sections-N"),
//   which the server resolves once those sections are saved.
(function($) {
    $(document).on('change', '#product_cards-group select[name$="-product"]', function() {
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

    let rowKeys = 0;

    function newSections() {
        // Rows added in this form (no saved id), in the order shown. Each row gets
        // a key of its own: removing a row renumbers the ids of the rows after it.
        return [...document.querySelectorAll('#sections-group .inline-related')]
            .filter((row) => /^sections-\d+$/.test(row.id))
            .filter((row) => !row.querySelector('input[name$="-id"]')?.value)
            .map((row) => {
                row.dataset.rowKey = row.dataset.rowKey || String(++rowKeys);
                const heading = row.querySelector('input[name$="-heading"]');
                return {
                    value: 'new:' + row.id,
                    key: row.dataset.rowKey,
                    label: 'New: ' + ((heading && heading.value.trim()) || 'section not yet named'),
                };
            });
    }

    function refreshSectionChoices() {
        const choices = newSections();
        document.querySelectorAll('#product_cards-group select[name$="-section"]').forEach((select) => {
            if (select.name.includes('__prefix__')) {
                return;
            }
            let chosen = select.value || select.dataset.pending || '';
            if (chosen.startsWith('new:')) {
                // Follow the row itself: it may have been renumbered, or removed.
                const followed = select.dataset.rowKey
                    ? choices.find((choice) => choice.key === select.dataset.rowKey)
                    : choices.find((choice) => choice.value === chosen);
                chosen = followed ? followed.value : '';
                select.dataset.rowKey = followed ? followed.key : '';
            }
            select.querySelectorAll('option[value^="new:"]').forEach((option) => option.remove());
            choices.forEach((choice) => select.add(new Option(choice.label, choice.value)));
            select.value = [...select.options].some((option) => option.value === chosen) ? chosen : '';
            delete select.dataset.pending;
        });
    }

    $(document).on('change', '#product_cards-group select[name$="-section"]', function() {
        const choice = newSections().find((candidate) => candidate.value === this.value);
        this.dataset.rowKey = choice ? choice.key : '';
    });

    document.addEventListener('formset:added', refreshSectionChoices);
    // Django renumbers the rows after it sends "formset:removed": refresh after that.
    document.addEventListener('formset:removed', () => setTimeout(refreshSectionChoices));
    $(document).on('input', '#sections-group input[name$="-heading"]', refreshSectionChoices);
    $(refreshSectionChoices);
})(django.jQuery);
