// ObservationReview pages: sign-in and sign-out, forms that call the JSON API, live recording status.
// Every change goes through the JSON API with the session's CSRF token; the server checks and audits it.
'use strict';

const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.content || '';

/** Calls the JSON API; resolves with the parsed answer, or throws an Error carrying the API's message. */
async function api(method, url, body) {
  const headers = { 'X-CSRF-Token': csrfToken() };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(url, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let answer = null;
  try { answer = text ? JSON.parse(text) : null; } catch (_) { answer = null; }
  if (!response.ok) {
    const message = answer && answer.error && answer.error.message;
    throw new Error(message || `The server answered ${response.status}. Try again; if it goes on, tell the service desk.`);
  }
  return answer;
}
window.obsreview = { api, csrfToken };

/**
 * The JSON body of a form: `data-type="int"` and `"number"` fields become numbers, `"bool"` true or false; fields with
 * `data-type="list"` sharing a name become one array (of the checked boxes, of the chosen non-empty options), present
 * even when empty; other empty optional fields are left out.
 */
function formBody(form) {
  const body = {};
  for (const field of form.elements) {
    if (!field.name || field.disabled) continue;
    if (field.dataset.type === 'list') {
      body[field.name] = body[field.name] || [];
      const chosen = field.type === 'checkbox' ? field.checked : field.value.trim() !== '';
      if (chosen) body[field.name].push(field.value.trim());
      continue;
    }
    if ((field.type === 'radio' || field.type === 'checkbox') && !field.checked) continue;
    const value = field.value.trim();
    // An empty radio ("none of these") says what is not chosen: it sends nothing.
    if (value === '' && (!field.required || field.type === 'radio')) continue;
    const type = field.dataset.type;
    body[field.name] = type === 'int' ? Number.parseInt(value, 10) : type === 'number' ? Number(value) : type === 'bool' ? value === 'true' : value;
  }
  return body;
}

/** A bulk action's answer, case by case in words, beside its form (nothing is reloaded until the reader chooses). */
function showReport(form, answer) {
  const slot = form.querySelector('.form-report');
  if (!slot) { location.reload(); return; }
  const names = {};
  for (const box of form.querySelectorAll('input[data-label]')) names[box.value] = box.dataset.label;
  slot.textContent = '';
  const summary = document.createElement('p');
  summary.textContent = `${answer.sent} sent to moderation, ${answer.refused} not sent.`;
  const list = document.createElement('ul');
  for (const result of answer.results || []) {
    const item = document.createElement('li');
    item.textContent = `${names[result.caseId] || 'A case'}: ${result.message}`;
    if (!result.sent) item.className = 'refused';
    list.append(item);
  }
  const again = document.createElement('a');
  again.href = location.href;
  again.textContent = 'Show the board as it is now';
  slot.append(summary, list, again);
  slot.setAttribute('tabindex', '-1');
  slot.focus();
}

/**
 * Shows the API's message beside the form; when it names one of the form's fields in brackets ("Moderators per case
 * (moderatorsPerCase) must be …"), beside that field too, which is marked invalid and focused.
 */
function showError(form, message) {
  for (const old of form.querySelectorAll('.field-error')) old.textContent = '';
  for (const old of form.querySelectorAll('[aria-invalid]')) old.removeAttribute('aria-invalid');
  const named = /\(([A-Za-z]+)\)/.exec(message);
  const field = named && form.elements.namedItem(named[1]);
  const words = named && field ? message.replace(named[0] + ' ', '').replace(named[0], '') : message;
  const slot = form.querySelector('.form-error:not(.field-error)');
  const first = field && (field instanceof RadioNodeList ? field[0] : field);
  const fieldSlot = first && document.getElementById(`${first.id.replace(/-\d+$/, '')}-error`);
  if (first && fieldSlot) {
    first.setAttribute('aria-invalid', 'true');
    fieldSlot.textContent = words;
    if (slot) slot.textContent = 'Please correct the setting marked below.';
    first.focus();
    return;
  }
  if (slot) { slot.textContent = words; slot.setAttribute('tabindex', '-1'); slot.focus(); }
}

/** Checks what the browser can check before sending, and says what is missing next to the form. */
function missingFields(form) {
  // A form marked `novalidate` leaves the checks to the server, whose messages say what is allowed in words.
  if (form.noValidate) return null;
  for (const field of form.elements) {
    if (field.willValidate && !field.checkValidity()) {
      const label = field.closest('fieldset')?.querySelector('legend')?.textContent
        || form.querySelector(`label[for="${field.id}"]`)?.textContent || field.name;
      field.setAttribute('aria-invalid', 'true');
      return `${label.trim()}: ${field.validationMessage}`;
    }
    field.removeAttribute('aria-invalid');
  }
  return null;
}

/** What a form is about to send, as people read it: each field's label (or its group's legend) and the value chosen. */
function summary(form) {
  const rows = [];
  for (const field of form.elements) {
    if (!field.name || field.disabled || field.type === 'hidden' || field.type === 'submit') continue;
    if ((field.type === 'radio' || field.type === 'checkbox') && !field.checked) continue;
    const legend = field.closest('fieldset')?.querySelector('legend')?.textContent;
    const label = form.querySelector(`label[for="${field.id}"]`)?.textContent || '';
    if (field.type === 'radio' || field.type === 'checkbox') rows.push([legend || field.name, label]);
    else if (field.value.trim()) rows.push([label || legend || field.name, field.tagName === 'SELECT' ? field.selectedOptions[0]?.textContent : field.value.trim()]);
  }
  return rows.map(([what, value]) => [what.replace(/\s+/g, ' ').trim(), value.replace(/[ \t]+/g, ' ').trim()]);
}

/**
 * The confirmation step (decision 27): a form with `data-confirm` shows what it is about to send and what that means,
 * with "Confirm and submit" and "Back to the form", before it becomes final. Keyboard: focus moves to the step's
 * heading; both are ordinary buttons; Back returns focus to the form.
 */
function confirmStep(form) {
  const step = document.createElement('section');
  step.className = 'confirm-step';
  const id = `${form.id || 'form'}-confirm-heading`;
  step.setAttribute('aria-labelledby', id);
  const heading = document.createElement('h3');
  heading.id = id;
  heading.tabIndex = -1;
  heading.textContent = 'Check before you submit';
  const text = document.createElement('p');
  text.textContent = form.dataset.confirm;
  const list = document.createElement('dl');
  for (const [what, value] of summary(form)) {
    const dt = document.createElement('dt'); dt.textContent = what;
    const dd = document.createElement('dd'); dd.textContent = value;
    list.append(dt, dd);
  }
  const buttons = document.createElement('p');
  buttons.className = 'actions';
  const confirm = document.createElement('button');
  confirm.type = 'button'; confirm.className = 'primary'; confirm.textContent = 'Confirm and submit'; confirm.dataset.confirmSubmit = '';
  const back = document.createElement('button');
  back.type = 'button'; back.textContent = 'Back to the form'; back.dataset.confirmBack = '';
  buttons.append(confirm, back);
  step.append(heading, text, list, buttons);
  form.hidden = true;
  form.after(step);
  heading.focus();
  back.addEventListener('click', () => {
    step.remove();
    form.hidden = false;
    form.querySelector('input:not([type=hidden]), select, textarea, button')?.focus();
  });
  confirm.addEventListener('click', () => {
    step.remove();
    form.hidden = false;
    form.dataset.confirmed = 'yes';
    form.requestSubmit();
  });
}

// What a score would set off, said as it is chosen (the options say it too, for readers without scripts).
document.addEventListener('change', (event) => {
  const field = event.target;
  const slot = field.form?.querySelector(`[data-consequence-for="${field.name}"]`);
  if (slot) slot.textContent = field.dataset.consequence || '';
});

document.addEventListener('submit', async (event) => {
  const form = event.target;
  if (!form.matches('form[data-api]')) return;
  event.preventDefault();
  const missing = missingFields(form);
  if (missing) { showError(form, missing); return; }
  if (form.dataset.confirm && form.dataset.confirmed !== 'yes') {
    const slot = form.querySelector('.form-error');
    if (slot) slot.textContent = '';
    confirmStep(form);
    return;
  }
  delete form.dataset.confirmed;
  const button = form.querySelector('button[type="submit"]');
  if (button) button.disabled = true;
  try {
    const body = formBody(form);
    if (form.dataset.notes && window.obsreviewNotes) body.annotations = window.obsreviewNotes.forSubmission();
    let url = form.dataset.api;
    // A form about a person chosen in it (`data-pick-user`): their id goes into the path, not the body.
    if ('pickUser' in form.dataset) { url = url.replace('{id}', encodeURIComponent(body.userId || '')); delete body.userId; }
    const answer = await api(form.dataset.method || 'POST', url, body);
    if (form.dataset.notes && window.obsreviewNotes) window.obsreviewNotes.clear();
    if ('showLink' in form.dataset) {
      // A link shown once (a reset link): stay on the page so it can be copied.
      const slot = form.querySelector('[data-link-slot]');
      const until = new Date(answer.expiresAt).toLocaleString();
      slot.textContent = answer.awaitsApproval
        ? `Another administrator must approve this link before it works (it would let its holder in). Give it to them once approved; it works once, until ${until}: ${location.origin}${answer.path}`
        : `Give them this link; it works once, until ${until}: ${location.origin}${answer.path}`;
      if (button) button.disabled = false;
      return;
    }
    if (form.dataset.report) {
      showReport(form, answer);
      if (button) button.disabled = false;
    } else if (form.dataset.followCase && answer && answer.openedCase) {
      // The score opened a case: show it, so that what the score set off is said after as well as before.
      location.assign(`/cases/${answer.openedCase.id}`);
    } else if (form.dataset.redirect) {
      const id = answer && (answer.id || (answer.case && answer.case.id) || '');
      location.assign(form.dataset.redirect.replace('{id}', id));
    } else {
      location.reload();
    }
  } catch (error) {
    showError(form, error.message);
    if (button) button.disabled = false;
  }
});

// A file sent as the body of a PUT (captions): the API checks what it is.
document.addEventListener('submit', async (event) => {
  const form = event.target;
  if (!form.matches('form[data-put-file]')) return;
  event.preventDefault();
  const file = form.querySelector('input[type=file]').files[0];
  if (!file) { showError(form, 'Choose a file first.'); return; }
  const response = await fetch(form.dataset.putFile, {
    method: 'PUT', credentials: 'same-origin', body: file,
    headers: { 'Content-Type': form.dataset.contentType || file.type, 'X-CSRF-Token': csrfToken() },
  });
  if (response.ok) { location.reload(); return; }
  const answer = await response.json().catch(() => null);
  showError(form, (answer && answer.error && answer.error.message) || `The server answered ${response.status}.`);
});

// Sign-in: the JSON API sets the session cookie; then go where the viewer was going.
document.getElementById('signin')?.addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.target;
  const error = document.getElementById('signin-error');
  if (!form.username.value || !form.password.value) { error.textContent = 'Enter your username and password.'; return; }
  try {
    const body = { username: form.username.value, password: form.password.value };
    if (form.code.value.trim()) body.code = form.code.value.trim();
    const session = await api('POST', '/api/v1/session', body);
    if (session && session.recoveryCodes) {
      // Shown once: the second factor was just confirmed.
      window.alert('Your second factor is set up. Keep these recovery codes somewhere safe; each works once:\n\n' + session.recoveryCodes.join('\n'));
    }
    // The server checked `next` (a path on this site only) and put it on the form; never read it from the URL.
    const next = form.dataset.next || '/';
    location.assign(/^\/(?![\/\\])[\x21-\x7e]*$/.test(next) && !next.includes('\\') ? next : '/');
  } catch (e) {
    error.textContent = e.message;
    form.password.focus();
  }
});

// A reset link: the secret is in the fragment (never sent to a server); set a new password with it.
document.getElementById('reset')?.addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.target;
  const error = document.getElementById('reset-error');
  const token = location.hash.slice(1);
  error.textContent = '';
  if (!token) { error.textContent = 'Open this page with the whole link the administrator gave you (it ends with a long code after #).'; return; }
  if (form.newPassword.value !== document.getElementById('reset-again').value) { error.textContent = 'The two passwords differ: type the same one twice.'; return; }
  try {
    await api('POST', '/api/v1/password-resets', { token, newPassword: form.newPassword.value });
    history.replaceState(null, '', location.pathname);
    form.querySelector('button[type="submit"]').disabled = true;
    const done = document.getElementById('reset-done');
    done.textContent = 'Your new password is set. ';
    const link = document.createElement('a');
    link.href = '/signin';
    link.textContent = 'Sign in';
    done.append(link);
  } catch (e) {
    error.textContent = e.message;
  }
});

document.querySelector('[data-signout]')?.addEventListener('click', async () => {
  try { await api('DELETE', '/api/v1/session'); } catch (_) { /* signed out either way */ }
  location.assign('/signin');
});

// A recording that is not ready yet: poll its status and reload when it is final.
const watched = document.querySelector('[data-watch-recording]');
if (watched) {
  const id = watched.dataset.watchRecording;
  const poll = async () => {
    try {
      const detail = await api('GET', `/api/v1/recordings/${id}`);
      const status = detail.recording.status;
      // Someone watching the preview goes on watching, on the finished proxy, rather than losing their place.
      if (status === 'ready' && window.obsreviewPreview?.watching()) {
        window.obsreviewPreview.switchToProxy(detail.recording.links.proxy);
        watched.textContent = 'Ready';
        return;
      }
      if (status === 'ready' || status === 'rejected') { location.reload(); return; }
      const progress = detail.job && detail.job.progress != null ? `, ${Math.round(detail.job.progress * 100)}% indexed` : '';
      watched.textContent = (status === 'indexing' ? 'Indexing' : 'Waiting to be indexed') + progress;
    } catch (_) { /* try again */ }
    setTimeout(poll, 2000);
  };
  setTimeout(poll, 2000);
}
