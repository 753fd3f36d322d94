'use strict';
// The focal point picker of the Image form: click the subject, or move the marker with the arrow keys
// (Shift: bigger steps, Home: the centre). It writes the focal point x and y inputs, which work alone without JS.
document.addEventListener('DOMContentLoaded', () => {
    const picker = document.querySelector('.focal-picker');
    const xInput = document.getElementById('id_focal_x');
    const yInput = document.getElementById('id_focal_y');
    if (!picker || !xInput || !yInput) {
        return;
    }
    const image = picker.querySelector('img');
    const marker = picker.querySelector('.focal-picker__marker');
    const clamp = (value) => Math.min(1, Math.max(0, value));
    const read = (input) => (input.value === '' || isNaN(parseFloat(input.value)) ? 0.5 : clamp(parseFloat(input.value)));

    function show() {
        const x = read(xInput), y = read(yInput);
        marker.style.left = (x * 100) + '%';
        marker.style.top = (y * 100) + '%';
        marker.setAttribute('aria-label', 'Focal point: ' + Math.round(x * 100) + '% from the left, ' +
            Math.round(y * 100) + '% from the top. Arrow keys move it; Home puts it in the centre.');
    }
    function set(x, y) {
        xInput.value = clamp(x).toFixed(2);
        yInput.value = clamp(y).toFixed(2);
        show();
    }
    image.addEventListener('click', (event) => {
        const box = image.getBoundingClientRect();
        set((event.clientX - box.left) / box.width, (event.clientY - box.top) / box.height);
        marker.focus();
    });
    marker.addEventListener('keydown', (event) => {
        const step = event.shiftKey ? 0.1 : 0.01;
        const moves = {ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step]};
        if (event.key === 'Home') {
            set(0.5, 0.5);
        } else if (moves[event.key]) {
            set(read(xInput) + moves[event.key][0], read(yInput) + moves[event.key][1]);
        } else {
            return;
        }
        event.preventDefault();
    });
    xInput.addEventListener('input', show);
    yInput.addEventListener('input', show);
    picker.classList.add('focal-picker--ready');
    show();
});
