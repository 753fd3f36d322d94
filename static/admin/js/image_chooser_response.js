'use strict';
// The page the Image admin answers with after an upload from the chooser (popup_response_template):
// in the chooser's dialog it hands the new image to the page framing it; in a popup window it does what
// Django's admin/js/popup_response.js does.
{
    const data = JSON.parse(document.getElementById('django-admin-popup-response-constants').dataset.popupResponse);
    if (window.parent !== window) {
        const message = data.action === 'delete' ? {imageChooser: 'close'} : {imageChooser: 'chosen', id: data.value};
        window.parent.postMessage(message, window.location.origin);
    } else if (data.action === 'change') {
        window.opener.dismissChangeRelatedObjectPopup(window, data.value, data.obj, data.new_value);
    } else if (data.action === 'delete') {
        window.opener.dismissDeleteRelatedObjectPopup(window, data.value);
    } else {
        window.opener.dismissAddRelatedObjectPopup(window, data.value, data.obj);
    }
}
