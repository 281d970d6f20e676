// The residents' page of a place (/r/{token}): one screen, Chinese, no login. The token goes to the hub
// as it is; the hub says whether it is a sticker of this compound.
import { getJson, postJson, problemText } from './api.js';

const token = decodeURIComponent(location.pathname.split('/').pop() || '');
const form = document.getElementById('report');
const error = document.getElementById('error');

function show(text) {
  error.hidden = !text;
  error.textContent = text || '';
}

form.addEventListener('submit', async event => {
  event.preventDefault();
  show('');
  const submit = document.getElementById('submit');
  submit.disabled = true;
  try {
    const created = await postJson('/api/resident-reports', {
      place: token,
      category: form.category.value,
      text: form.text.value,
      phone: form.phone.value || null,
    }, { redirectOn401: false });
    form.hidden = true;
    const link = document.getElementById('tracking');
    link.href = created.trackingUrl;
    link.textContent = created.trackingUrl;
    document.getElementById('done').hidden = false;
    document.body.dataset.state = 'sent';
  } catch (e) {
    show(problemText(e, '提交失败，请检查网络后重试。'));
    submit.disabled = false;
  }
});

try {
  const place = await getJson(`/api/resident-reports/place/${encodeURIComponent(token)}`);
  document.getElementById('site').textContent = place.siteName;
  document.getElementById('place').textContent = place.placeName;
  document.body.dataset.state = 'ready';
} catch (e) {
  form.hidden = true;
  show(problemText(e, '提交失败，请检查网络后重试。'));
  document.body.dataset.state = 'refused';
}
