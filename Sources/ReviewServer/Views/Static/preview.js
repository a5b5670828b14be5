// The preview player: while a recording's proxy is still being made, its segments (fragmented MP4) are played through
// Media Source Extensions as they appear; once the proxy is in place the same player continues on it (decision 32).
'use strict';

(() => {
  const box = document.querySelector('[data-preview]');
  const video = document.getElementById('player');
  const status = document.getElementById('preview-status');
  if (!box || !video || !status) return;
  if (!window.MediaSource) {
    status.textContent = 'This browser cannot play the recording before it is ready; this page updates by itself when it is.';
    return;
  }
  const manifestURL = box.dataset.preview;
  /** Seconds buffered ahead of the playhead before fetching more (the rest waits on the server). */
  const ahead = 60;
  const appended = new Set();
  let source = null, buffer = null, ended = false, onProxy = false;

  const bytes = async (url) => {
    const response = await fetch(url, { credentials: 'same-origin' });
    if (!response.ok) throw new Error(`segment ${response.status}`);
    return response.arrayBuffer();
  };
  const whenUpdated = () => new Promise((resolve, reject) => {
    buffer.addEventListener('updateend', resolve, { once: true });
    buffer.addEventListener('error', reject, { once: true });
  });
  const append = async (data) => {
    try {
      buffer.appendBuffer(data);
    } catch (error) {
      if (error.name !== 'QuotaExceededError') throw error;
      // Full: drop what was watched more than half a minute ago, then try again.
      buffer.remove(0, Math.max(0, video.currentTime - 30));
      await whenUpdated();
      buffer.appendBuffer(data);
    }
    await whenUpdated();
  };
  const bufferedEnd = () => (buffer && buffer.buffered.length ? buffer.buffered.end(buffer.buffered.length - 1) : 0);

  /** The proxy is in place: the same player goes on from where it was, on the whole file. */
  const switchToProxy = (url) => {
    if (onProxy) return;
    onProxy = true;
    const at = video.currentTime, playing = !video.paused;
    video.src = url;
    video.addEventListener('loadedmetadata', () => {
      video.currentTime = at;
      if (playing) video.play().catch(() => {});
    }, { once: true });
    video.hidden = false;
    status.textContent = 'Ready to watch.';
  };
  window.obsreviewPreview = {
    /** Whether someone is watching the preview (the page then does not reload when the recording is ready). */
    watching: () => source !== null && !video.paused,
    switchToProxy,
  };

  const start = async (manifest) => {
    source = new MediaSource();
    video.src = URL.createObjectURL(source);
    await new Promise((resolve) => source.addEventListener('sourceopen', resolve, { once: true }));
    buffer = source.addSourceBuffer(manifest.mimeType);
    await append(await bytes(manifest.initSegment));
    video.hidden = false;
  };

  const step = async () => {
    if (onProxy) return;
    let delay = 2000;
    try {
      const response = await fetch(manifestURL, { credentials: 'same-origin', cache: 'no-store' });
      if (!response.ok) throw new Error(`manifest ${response.status}`);
      const manifest = await response.json();
      if (manifest.finished) { switchToProxy(manifest.proxy); return; }
      status.textContent = manifest.summary;
      if (manifest.playable) {
        if (!source) await start(manifest);
        for (const segment of manifest.segments) {
          if (appended.has(segment.url)) continue;
          if (bufferedEnd() - video.currentTime > ahead) { delay = 1000; break; }
          await append(await bytes(segment.url));
          appended.add(segment.url);
        }
        if (manifest.complete && appended.size === manifest.segments.length && !ended) {
          ended = true;
          source.endOfStream();
        }
      }
    } catch (_) {
      // A segment gone (the proxy was just finished) or a passing failure: ask again.
    }
    setTimeout(step, delay);
  };
  step();
})();
