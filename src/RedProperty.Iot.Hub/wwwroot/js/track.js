// A resident follows their report (/r/t/{tracking}): received, someone responding, on the way, on site, resolved.
import { h } from './dom.js';

const steps = document.getElementById('steps');
const time = v => (v ? new Date(v).toLocaleString('zh-CN', { hour12: false }) : '');

async function load() {
  const response = await fetch(location.pathname, { headers: { Accept: 'application/json' }, cache: 'no-store' });
  if (!response.ok) {
    document.getElementById('error').hidden = false;
    document.getElementById('error').textContent = '找不到这条报事。';
    document.body.dataset.state = 'missing';
    return;
  }

  const r = await response.json();
  document.getElementById('site').textContent = r.siteName;
  document.getElementById('place').textContent = r.placeName;
  const step = (name, label, at, who) => h('li', { class: at ? 'done' : 'waiting', dataset: { step: name } },
    h('strong', null, label), at ? ` ${time(at)}` : ' 等待中', who && at ? ` · ${who}` : null);
  steps.replaceChildren(
    step('received', '已收到', r.receivedAt),
    step('responding', '已有人响应', r.respondedAt, r.responder),
    step('on_the_way', '工作人员在路上', r.onTheWayAt, r.responder),
    step('on_site', '工作人员已到场', r.onSiteAt, r.responder),
    step('resolved', '已处理', r.resolvedAt));
  const resolution = document.getElementById('resolution');
  resolution.hidden = !r.resolution;
  resolution.textContent = r.resolution ? `处理结果：${r.resolution}` : '';
  document.body.dataset.state = r.state;
}

load();
setInterval(load, 15_000);
