'use strict';
// The library image chooser (core.admin.ImageChooserWidget). "Choose or upload an image" opens the
// library's popup pages in a modal dialog on this page (image_chooser_frame.js there hands back the
// image picked or uploaded); without JavaScript the link opens the library's page instead. The id input
// then gets the image's number, and this shows the chosen image's thumbnail and title.
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

    // One dialog per page, made on first use; `current` is the link that opened it and its id input.
    let dialog = null;
    let frame = null;
    let current = null;

    function chooserDialog() {
        if (dialog) {
            return dialog;
        }
        dialog = document.createElement('dialog');
        dialog.className = 'image-chooser-dialog';
        dialog.setAttribute('aria-labelledby', 'image-chooser-dialog-title');
        const header = document.createElement('div');
        header.className = 'image-chooser-dialog__header';
        const heading = document.createElement('h2');
        heading.id = 'image-chooser-dialog-title';
        heading.textContent = 'Choose an image';
        const close = document.createElement('button');
        close.type = 'button';
        close.className = 'button image-chooser-dialog__close';
        close.textContent = 'Close';
        close.addEventListener('click', () => dialog.close());
        header.append(heading, close);
        frame = document.createElement('iframe');
        frame.className = 'image-chooser-dialog__frame';
        frame.title = 'Image library: search, pick or upload an image';
        dialog.append(header, frame);
        // Escape, Close, a pick: focus goes back to the link that opened the dialog.
        dialog.addEventListener('close', () => {
            const link = current && current.link;
            current = null;
            frame.src = 'about:blank';
            if (link) {
                link.focus();
            }
        });
        document.body.append(dialog);
        return dialog;
    }

    function openChooser(link) {
        const input = document.getElementById(link.id.replace(/^lookup_/, ''));
        if (!input) {
            return false;
        }
        chooserDialog();
        current = {link: link, input: input};
        const url = new URL(link.href, window.location.href);
        url.searchParams.set('_popup', '1');
        frame.name = input.id + '__1';  // the name Django's popup code gives the window of this field
        frame.src = url.href;
        dialog.showModal();
        return true;
    }

    function choose(id) {
        const input = current.input;
        input.value = id;
        $(input).trigger('change');
        dialog.close();
    }

    // Django's RelatedObjectLookups.js asks before it opens its popup window: the dialog instead.
    $(document).on('django:lookup-related', '.image-chooser__choose', function(event) {
        if (openChooser(this)) {
            event.preventDefault();
        }
    });
    window.addEventListener('message', (event) => {
        if (!dialog || !current || event.origin !== window.location.origin || event.source !== frame.contentWindow) {
            return;
        }
        const data = event.data || {};
        if (data.imageChooser === 'chosen' && /^\d+$/.test(String(data.id))) {
            choose(String(data.id));
        } else if (data.imageChooser === 'close') {
            dialog.close();
        }
    });

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
