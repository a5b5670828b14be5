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

/** The JSON body of a form: `data-type="int"` fields become numbers, `data-type="list"` fields (checkboxes) gather
 * into an array, empty optional fields are left out. */
function formBody(form) {
  const body = {};
  for (const field of form.elements) {
    if (!field.name || field.disabled) continue;
    if ((field.type === 'radio' || field.type === 'checkbox') && !field.checked) continue;
    const value = field.value.trim();
    if (field.dataset.type === 'list') { (body[field.name] ||= []).push(value); continue; }
    if (value === '' && !field.required) continue;
    body[field.name] = field.dataset.type === 'int' ? Number.parseInt(value, 10) : field.dataset.type === 'bool' ? value === 'true' : value;
  }
  return body;
}

function showError(form, message) {
  const slot = form.querySelector('.form-error');
  if (slot) { slot.textContent = message; slot.setAttribute('tabindex', '-1'); slot.focus(); }
}

/** Checks what the browser can check before sending, and says what is missing next to the form. */
function missingFields(form) {
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

document.addEventListener('submit', async (event) => {
  const form = event.target;
  if (!form.matches('form[data-api]')) return;
  event.preventDefault();
  const missing = missingFields(form);
  if (missing) { showError(form, missing); return; }
  const button = form.querySelector('button[type="submit"]');
  if (button) button.disabled = true;
  try {
    const body = formBody(form);
    if (form.dataset.notes && window.obsreviewNotes) body.annotations = window.obsreviewNotes.forSubmission();
    const answer = await api(form.dataset.method || 'POST', form.dataset.api, body);
    if (form.dataset.notes && window.obsreviewNotes) window.obsreviewNotes.clear();
    if (form.dataset.redirect) {
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
      if (status === 'ready' || status === 'rejected') { location.reload(); return; }
      const progress = detail.job && detail.job.progress != null ? `, ${Math.round(detail.job.progress * 100)}% indexed` : '';
      watched.textContent = (status === 'indexing' ? 'Indexing' : 'Waiting to be indexed') + progress;
    } catch (_) { /* try again */ }
    setTimeout(poll, 2000);
  };
  setTimeout(poll, 2000);
}
