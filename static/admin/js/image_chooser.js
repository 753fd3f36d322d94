'use strict';
// The library image chooser (core.admin.ImageChooserWidget): Django's lookup popup fills the id input
// (and fires a jQuery "change"); this shows the chosen image's thumbnail and title.
(function($) {
    function refresh(input) {
        const chooser = input.closest('.image-chooser');
        const preview = chooser.querySelector('.image-chooser__preview');
        const value = input.value.trim();
        chooser.querySelector('.image-chooser__clear').hidden = !value;
        if (!/^\d+$/.test(value)) {
            preview.innerHTML = '<span class="image-chooser__empty">No image chosen.</span>';
            return;
        }
        const url = chooser.dataset.previewUrl.replace(/\/0\/chooser-preview\/$/, '/' + value + '/chooser-preview/');
        fetch(url, {credentials: 'same-origin'})
            .then((response) => response.ok ? response.text() : Promise.reject(response.status))
            .then((html) => { preview.innerHTML = html; })
            .catch(() => { preview.textContent = 'No library image has number ' + value + '.'; });
    }
    $(document).on('change', '.image-chooser input', function() { refresh(this); });
    document.addEventListener('click', (event) => {
        const button = event.target.closest('.image-chooser__clear');
        if (!button) {
            return;
        }
        const input = button.closest('.image-chooser').querySelector('input');
        input.value = '';
        refresh(input);
        button.closest('.image-chooser').querySelector('.image-chooser__choose').focus();
    });
})(django.jQuery);
