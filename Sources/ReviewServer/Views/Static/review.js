// The moderator's notes: N drops a note at the video's current time; notes are kept in this browser
// (localStorage) until the opinion is submitted with them; clicking a note's time seeks to it.
'use strict';

(() => {
  const root = document.querySelector('[data-review]');
  if (!root) return;
  const key = `obsreview-notes-${root.dataset.review}`;
  const list = document.getElementById('notes');
  const form = document.getElementById('note-form');
  const timeField = document.getElementById('note-time');
  const textField = document.getElementById('note-text');
  const tagField = document.getElementById('note-tag');
  const error = document.getElementById('note-error');
  const player = () => window.obsreviewPlayer || { video: null, seek() {}, clock: (s) => `${s}` };
  let notes = [];
  try { notes = JSON.parse(localStorage.getItem(key) || '[]'); } catch (_) { notes = []; }

  const save = () => localStorage.setItem(key, JSON.stringify(notes));
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
    forSubmission: () => notes.map((note) => (note.tag ? { start: note.start, text: note.text, tag: note.tag } : { start: note.start, text: note.text })),
    clear: () => localStorage.removeItem(key),
    all: () => notes.slice(),
  };
  render();
})();
