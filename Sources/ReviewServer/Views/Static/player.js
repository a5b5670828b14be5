// The recording player: thumbnail strip, keyframe-accurate seeking and keyboard control.
'use strict';

(() => {
  const video = document.getElementById('player');
  const box = document.querySelector('[data-player]');
  const keyframes = (box?.dataset.keyframes || '').split(' ').filter(Boolean).map(Number).sort((a, b) => a - b);
  const clock = (seconds) => {
    const whole = Math.max(0, Math.floor(seconds));
    const h = Math.floor(whole / 3600), m = Math.floor((whole % 3600) / 60), s = whole % 60;
    return (h ? `${h}:${String(m).padStart(2, '0')}` : `${m}`) + `:${String(s).padStart(2, '0')}`;
  };
  const seek = (seconds) => {
    if (!video) return;
    const end = Number.isFinite(video.duration) ? video.duration : Infinity;
    video.currentTime = Math.min(Math.max(0, seconds), end);
  };
  /** The keyframe before (direction -1) or after (+1) the current time: seeking there shows exactly that frame. */
  const keyframe = (direction) => {
    const now = video.currentTime;
    if (direction < 0) return [...keyframes].reverse().find((t) => t < now - 0.05) ?? 0;
    return keyframes.find((t) => t > now + 0.05);
  };
  window.obsreviewPlayer = { video, seek, clock };
  document.addEventListener('click', (event) => {
    const target = event.target.closest('[data-seek],[data-seek-to],[data-keyframe]');
    if (!target || !video) return;
    if (target.dataset.seek) seek(video.currentTime + Number(target.dataset.seek));
    else if (target.dataset.seekTo) seek(Number(target.dataset.seekTo));
    else { const t = keyframe(target.dataset.keyframe === 'next' ? 1 : -1); if (t !== undefined) seek(t); }
  });
  if (!video) return;
  const output = document.getElementById('time');
  video.addEventListener('timeupdate', () => { if (output) output.textContent = clock(video.currentTime); });
  const typing = (element) => element && (element.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(element.tagName));
  document.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    const onButton = event.target.tagName === 'BUTTON' || event.target.tagName === 'A' || event.target === video;
    switch (event.key) {
      case 'k': case 'K': video.paused ? video.play() : video.pause(); break;
      case ' ': if (onButton) return; video.paused ? video.play() : video.pause(); break;
      case 'j': case 'J': seek(video.currentTime - 5); break;
      case 'l': case 'L': seek(video.currentTime + 5); break;
      case ',': { const t = keyframe(-1); if (t !== undefined) seek(t); break; }
      case '.': { const t = keyframe(1); if (t !== undefined) seek(t); break; }
      default: return;
    }
    event.preventDefault();
  });
})();
