// The residents' page of a place (/r/{token}): one screen, Chinese, no login. The token goes to the hub
// as it is; the hub says whether it is a sticker of this compound.
import { getJson, postJson, postForm, problemText } from './api.js';
import { shrinkPhoto } from './photo.js';

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
    const report = { place: token, category: form.category.value, text: form.text.value, phone: form.phone.value || null };
    const file = form.photo.files[0];
    let created;
    if (file) {
      // With a photo the report goes as a form; the photo made small first (a phone's original is several MB).
      const body = new FormData();
      for (const [name, value] of Object.entries(report)) if (value) body.append(name, value);
      let photo;
      try { photo = await shrinkPhoto(file); } catch { throw new Error('照片无法读取，请换一张或不附照片提交。'); }
      body.append('photo', photo, 'photo.jpg');
      created = await postForm('/api/resident-reports', body, { redirectOn401: false });
    } else {
      created = await postJson('/api/resident-reports', report, { redirectOn401: false });
    }
    form.hidden = true;
    const link = document.getElementById('tracking');
    link.href = created.trackingUrl;
    link.textContent = created.trackingUrl;
    document.getElementById('done').hidden = false;
    document.body.dataset.state = 'sent';
  } catch (e) {
    show(e instanceof Error && !('status' in e) && e.message.startsWith('照片') ? e.message : problemText(e, '提交失败，请检查网络后重试。'));
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
