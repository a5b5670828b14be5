// The moderator's notes: "Add note at 1:23" (click, tap or the N key) drops a note at the video's current time; notes
// are drafts kept on the server for this moderator, case and recording (autosaved, never in the browser: another
// moderator on the same browser never sees them, and nothing stays after sign-out) until the opinion is submitted
// with them; clicking a note's time seeks to it.
'use strict';

(() => {
  const root = document.querySelector('[data-review]');
  if (!root) return;
  // Drafts from before they moved to the server: nothing about a case stays in the browser.
  try {
    Object.keys(localStorage).filter((name) => name.startsWith('obsreview-notes-')).forEach((name) => localStorage.removeItem(name));
  } catch (_) { /* storage unavailable: nothing to remove */ }
  const recording = root.dataset.recording;
  const draftURL = recording ? `/api/v1/cases/${root.dataset.review}/note-drafts/${recording}` : null;
  const list = document.getElementById('notes');
  const form = document.getElementById('note-form');
  const timeField = document.getElementById('note-time');
  const textField = document.getElementById('note-text');
  const tagField = document.getElementById('note-tag');
  const error = document.getElementById('note-error');
  const status = document.getElementById('notes-status');
  const nowButton = document.getElementById('note-now');
  const player = () => window.obsreviewPlayer || { video: null, seek() {}, clock: (s) => `${s}` };
  let notes = [];

  const request = async (method, body) => {
    const headers = { 'X-CSRF-Token': document.querySelector('meta[name="csrf-token"]')?.content || '' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(draftURL, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
    const answer = await response.json().catch(() => null);
    if (!response.ok) throw new Error(answer?.error?.message || `The server answered ${response.status}.`);
    return answer;
  };
  let saving = Promise.resolve();
  const save = () => {
    if (!draftURL) return;
    const snapshot = notes.map((note) => (note.tag ? { start: note.start, text: note.text, tag: note.tag } : { start: note.start, text: note.text }));
    saving = saving.then(() => request('PUT', { notes: snapshot }))
      .then(() => { if (status) status.textContent = `Draft saved for you alone (${snapshot.length} note${snapshot.length === 1 ? '' : 's'}).`; })
      .catch((problem) => { if (status) status.textContent = `Your notes could not be saved: ${problem.message}`; });
  };
  const render = () => {
    list.replaceChildren(...notes.map((note, index) => {
      const item = document.createElement('li');
      const at = document.createElement('button');
      at.type = 'button';
      at.dataset.seekTo = String(note.start);
      at.textContent = player().clock(note.start);
      at.setAttribute('aria-label', `Go to ${player().clock(note.start)}`);
      const text = document.createElement('span');
      text.textContent = note.text;
      item.append(at, text);
      if (note.tag) {
        const tag = document.createElement('span');
        tag.className = 'tag';
        tag.textContent = `[${note.tag}]`;
        item.append(tag);
      }
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.className = 'link-button';
      remove.textContent = 'Delete';
      remove.setAttribute('aria-label', `Delete the note at ${player().clock(note.start)}`);
      remove.addEventListener('click', () => { notes.splice(index, 1); save(); render(); });
      item.append(remove);
      return item;
    }));
  };

  const startNote = () => {
    const video = player().video;
    if (video) { video.pause(); timeField.value = video.currentTime.toFixed(3); }
    textField.focus();
  };
  // The button names the moment it would note, and works by click, tap or keyboard like the N key.
  if (nowButton) {
    nowButton.addEventListener('click', startNote);
    const label = () => { const video = player().video; nowButton.textContent = `Add note at ${player().clock(video ? video.currentTime : 0)}`; };
    player().video?.addEventListener('timeupdate', label);
    label();
  }

  document.addEventListener('keydown', (event) => {
    const typing = ['INPUT', 'TEXTAREA', 'SELECT'].includes(event.target.tagName) || event.target.isContentEditable;
    if ((event.key === 'n' || event.key === 'N') && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      startNote();
    }
  });
  textField.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const start = Number(timeField.value);
    const video = player().video;
    const end = video && Number.isFinite(video.duration) ? video.duration : Infinity;
    if (!Number.isFinite(start) || start < 0 || start > end) {
      error.textContent = `The time must be a number of seconds from 0 to ${Number.isFinite(end) ? end.toFixed(1) : 'the end'}.`;
      timeField.focus();
      return;
    }
    if (!textField.value.trim()) { error.textContent = 'Write the note first.'; textField.focus(); return; }
    error.textContent = '';
    notes.push({ start, text: textField.value.trim(), tag: tagField.value || null });
    notes.sort((a, b) => a.start - b.start);
    save();
    render();
    textField.value = '';
    if (video) video.focus();
  });

  window.obsreviewNotes = {
    // Each note names the recording it was taken on.
    forSubmission: () => notes.map((note) => ({
      start: note.start, text: note.text, ...(note.tag ? { tag: note.tag } : {}), ...(recording ? { recordingId: recording } : {}),
    })),
    // The server discards the drafts with the submitted opinion.
    clear: () => { notes = []; render(); },
    all: () => notes.slice(),
    saved: () => saving,
  };
  render();
  if (draftURL) {
    request('GET').then((draft) => {
      notes = (draft?.notes || []).map((note) => ({ start: note.start, text: note.text, tag: note.tag || null }));
      render();
    }).catch((problem) => { if (status) status.textContent = `Your draft notes could not be loaded: ${problem.message}`; });
  }
})();
