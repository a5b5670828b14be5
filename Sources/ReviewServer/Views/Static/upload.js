// Resumable upload through the tus 1.0 endpoint (/uploads/): create, then PATCH the file in chunks. The server
// lists the person's unfinished uploads on this page (observation, file name, size, address), so after a reload,
// a dropped connection or on another computer, choosing the same file again continues from the server's offset;
// nothing is kept in the browser. Then the recording's status is followed live.
'use strict';

(() => {
  const form = document.getElementById('upload-form');
  if (!form) return;
  const fileInput = document.getElementById('file');
  const observation = document.getElementById('observation');
  const startButton = document.getElementById('start');
  const pauseButton = document.getElementById('pause');
  const block = document.getElementById('progress-block');
  const bar = document.getElementById('progress');
  const text = document.getElementById('progress-text');
  const status = document.getElementById('upload-status');
  const error = document.getElementById('upload-error');
  const zone = document.getElementById('drop-zone');
  const chunkSize = Number(new URLSearchParams(location.search).get('chunk')) || 8 * 1024 * 1024;
  const csrf = () => window.obsreview.csrfToken();
  let current = null;   // the XMLHttpRequest under way
  let paused = false;
  let uploading = false;
  // The server's list of this person's unfinished uploads.
  const unfinished = [...document.querySelectorAll('[data-resume-url]')].map((button) => ({
    button, url: button.dataset.resumeUrl, observation: button.dataset.observation, fileName: button.dataset.fileName,
    length: Number(button.dataset.length),
  }));

  const b64 = (value) => btoa(unescape(encodeURIComponent(value)));
  // Sizes in one unit system everywhere (as the server writes them): decimal kB, MB, GB.
  const size = (bytes) => {
    for (const [scale, unit] of [[1e12, 'TB'], [1e9, 'GB'], [1e6, 'MB'], [1e3, 'kB']]) {
      if (bytes >= scale) {
        const value = bytes / scale;
        return `${value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2)} ${unit}`;
      }
    }
    return bytes === 1 ? '1 byte' : `${bytes} bytes`;
  };
  const duration = (seconds) => (!Number.isFinite(seconds) ? 'a moment' : seconds < 60 ? `${Math.ceil(seconds)} s`
    : `${Math.floor(seconds / 60)} min ${Math.ceil(seconds % 60)} s`);

  function request(method, url, headers, body, onProgress) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      current = xhr;
      xhr.open(method, url);
      xhr.setRequestHeader('Tus-Resumable', '1.0.0');
      xhr.setRequestHeader('X-CSRF-Token', csrf());
      for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
      if (onProgress) xhr.upload.onprogress = (event) => onProgress(event.loaded);
      xhr.onload = () => resolve(xhr);
      xhr.onerror = () => reject(new Error('The connection dropped.'));
      xhr.onabort = () => reject(new Error('paused'));
      xhr.send(body ?? null);
    });
  }

  const apiMessage = (xhr) => {
    try { return JSON.parse(xhr.responseText).error.message; } catch (_) { return `The server answered ${xhr.status}.`; }
  };

  /** The upload's address and offset: an unfinished upload of this file to this observation if the server still
   * has it, else a new one. */
  async function prepare(file) {
    const match = unfinished.find((u) => u.observation === observation.value && u.fileName === file.name && u.length === file.size);
    if (match) {
      const head = await request('HEAD', match.url, {});
      if (head.status === 200) return { url: match.url, offset: Number(head.getResponseHeader('Upload-Offset')), resumed: true };
      unfinished.splice(unfinished.indexOf(match), 1);
    }
    const metadata = `observation ${b64(observation.value)},filename ${b64(file.name)},filetype ${b64(file.type || 'application/octet-stream')}`;
    const created = await request('POST', '/uploads/', { 'Upload-Length': String(file.size), 'Upload-Metadata': metadata });
    if (created.status !== 201) throw new Error(apiMessage(created));
    const url = created.getResponseHeader('Location');
    unfinished.push({ url, observation: observation.value, fileName: file.name, length: file.size });
    return { url, offset: 0, resumed: false };
  }

  async function upload(file) {
    error.textContent = '';
    block.hidden = false;
    pauseButton.hidden = false;
    startButton.disabled = true;
    paused = false;
    let { url, offset, resumed } = await prepare(file);
    status.textContent = resumed ? `Resuming at ${size(offset)} of ${size(file.size)}.` : 'Uploading…';
    const started = performance.now();
    const startOffset = offset;
    const show = (sent) => {
      const percent = file.size ? Math.floor((sent / file.size) * 100) : 100;
      bar.value = percent;
      bar.textContent = `${percent}%`;
      const seconds = (performance.now() - started) / 1000;
      const speed = seconds > 0 ? (sent - startOffset) / seconds : 0;
      const left = speed > 0 ? (file.size - sent) / speed : Infinity;
      text.textContent = `${percent}% · ${size(sent)} of ${size(file.size)} · ${size(speed)}/s · about ${duration(left)} left`;
    };
    show(offset);
    let recordingId = null;
    let alreadyUploaded = false;
    while (offset < file.size || (file.size === 0 && !recordingId)) {
      const end = Math.min(offset + chunkSize, file.size);
      const base = offset;
      const answer = await request('PATCH', url, { 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream' },
        file.slice(offset, end), (loaded) => show(base + loaded));
      if (answer.status === 404 || answer.status === 410) {
        throw new Error('The server no longer has this upload (it expired). Start again: the whole file is sent anew.');
      }
      if (answer.status === 409) {   // our offset was stale: ask the server where it is
        const head = await request('HEAD', url, {});
        offset = Number(head.getResponseHeader('Upload-Offset'));
        continue;
      }
      if (answer.status !== 204) throw new Error(apiMessage(answer));
      offset = Number(answer.getResponseHeader('Upload-Offset'));
      recordingId = answer.getResponseHeader('Upload-Recording-Id') || recordingId;
      alreadyUploaded = answer.getResponseHeader('Upload-Already-Uploaded') === 'true';
      show(offset);
      if (file.size === 0) break;
    }
    pauseButton.hidden = true;
    document.querySelector(`[data-resume-url="${url}"]`)?.closest('li')?.remove();
    if (alreadyUploaded && recordingId) {
      const detail = await window.obsreview.api('GET', `/api/v1/recordings/${recordingId}`);
      status.replaceChildren('This file was already uploaded for this observation as ');
      const link = document.createElement('a');
      link.href = `/recordings/${recordingId}`;
      link.textContent = `${detail.recording.fileName} (${detail.recording.status})`;
      link.id = 'recording-link';
      status.append(link, ': no second recording was made.');
      startButton.disabled = false;
      return;
    }
    status.textContent = 'Uploaded. The recording is being checked and indexed…';
    if (recordingId) follow(recordingId);
  }

  async function follow(id) {
    try {
      const detail = await window.obsreview.api('GET', `/api/v1/recordings/${id}`);
      const r = detail.recording;
      if (r.status === 'ready') {
        status.replaceChildren('Ready to watch: ');
        const link = document.createElement('a');
        link.href = `/recordings/${id}`;
        link.textContent = r.fileName;
        link.id = 'recording-link';
        status.append(link);
        startButton.disabled = false;
        return;
      }
      if (r.status === 'rejected') {
        status.textContent = `The recording was rejected: ${r.rejectionReason || 'no reason given'}. Nothing else changed; fix the file and upload it again.`;
        startButton.disabled = false;
        return;
      }
      const progress = detail.job && detail.job.progress != null ? ` (${Math.round(detail.job.progress * 100)}%)` : '';
      status.textContent = `Uploaded. ${r.status === 'indexing' ? 'Indexing' : 'Waiting to be indexed'}${progress}…`;
    } catch (_) { /* try again */ }
    setTimeout(() => follow(id), 1500);
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const file = fileInput.files[0];
    if (!file) { error.textContent = 'Choose a video file first.'; fileInput.focus(); return; }
    uploading = true;
    try {
      await upload(file);
    } catch (e) {
      startButton.disabled = false;
      if (paused) { status.textContent = 'Paused. Press Resume to continue.'; return; }
      error.textContent = `${e.message} Press Start upload again to continue from where it stopped.`;
      pauseButton.hidden = true;
    } finally {
      uploading = false;
    }
  });

  // Leaving mid-upload loses nothing (the server keeps what arrived), but ask first.
  window.addEventListener('beforeunload', (event) => {
    if (uploading && !paused) { event.preventDefault(); event.returnValue = ''; }
  });

  for (const entry of unfinished) {
    entry.button.addEventListener('click', () => {
      observation.value = entry.observation;
      status.textContent = `Choose ${entry.fileName} again, then press Start upload: it continues where it stopped.`;
      fileInput.focus();
      fileInput.click();
    });
  }

  pauseButton.addEventListener('click', () => {
    if (!paused) {
      paused = true;
      current?.abort();
      pauseButton.textContent = 'Resume';
    } else {
      pauseButton.textContent = 'Pause';
      form.requestSubmit();
    }
  });

  for (const name of ['dragenter', 'dragover']) {
    zone.addEventListener(name, (event) => { event.preventDefault(); zone.classList.add('dragging'); });
  }
  for (const name of ['dragleave', 'drop']) zone.addEventListener(name, () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    if (event.dataTransfer.files.length) {
      fileInput.files = event.dataTransfer.files;
      status.textContent = `Chosen: ${event.dataTransfer.files[0].name}`;
    }
  });
})();
