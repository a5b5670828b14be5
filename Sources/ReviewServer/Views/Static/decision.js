// The lead's decision view: each note's marker placed on the timeline under the player (clicking one seeks: player.js),
// and the "another score" choices open only when no opinion is adopted.
'use strict';

(() => {
  for (const marker of document.querySelectorAll('[data-marker-at]')) {
    const at = Number(marker.dataset.markerAt);
    if (Number.isFinite(at)) marker.style.left = `${at}%`;
    else marker.hidden = true;
  }
  const form = document.getElementById('decision-form');
  const own = document.getElementById('decision-own-score');
  if (!form || !own) return;
  const update = () => {
    const adopted = form.querySelector('input[name="adoptedOpinionId"]:checked');
    // An adopted opinion's score is the final score: another score would contradict it, so it cannot be chosen too.
    own.disabled = Boolean(adopted && adopted.value);
    for (const input of own.querySelectorAll('input')) input.required = Boolean(adopted && !adopted.value);
  };
  form.addEventListener('change', update);
  update();
})();
