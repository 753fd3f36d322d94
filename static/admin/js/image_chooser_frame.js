'use strict';
// The library's popup pages (list, search, upload form) inside the image chooser's dialog
// (image_chooser.js): a click on an image hands it to the page framing them, by message, where
// Django's popup code would call window.opener; Escape closes the dialog from in here too.
document.addEventListener('DOMContentLoaded', () => {
    const framed = window.parent !== window && document.body.classList.contains('popup');
    function tell(message) {
        window.parent.postMessage(message, window.location.origin);
    }
    if (framed) {
        // Capturing, so Django's own handler on the link (opener.dismissRelatedLookupPopup) never runs.
        document.addEventListener('click', (event) => {
            const link = event.target.closest('a[data-popup-opener]');
            if (link) {
                event.preventDefault();
                event.stopImmediatePropagation();
                tell({imageChooser: 'chosen', id: String(link.dataset.popupOpener)});
            }
        }, true);
        document.addEventListener('keydown', (event) => {
            if (event.key === 'Escape' && !event.defaultPrevented) {
                tell({imageChooser: 'close'});
            }
        });
        // Where a keyboard user starts: the search box of the list, the file input of the upload form.
        const start = document.querySelector('#searchbar, #image_form input[type=file]');
        if (start) {
            start.focus();
        }
    }
});
