// What the rules found about an alert, written in the user's language. The hub sends each finding as
// a fact: a key (one per sentence, listed in the domain's AlertFacts) and typed values — quantities
// with units, durations in seconds, counts, circuits, device codes. The alert's "message" is the English
// sentence; alerts stored before facts existed, or a fact this screen does not know, show it as it is.
import { t, has, lang } from './i18n.js';

const sentences = {
  'zh-CN': {
    'flying_wire_charging.circuit_draw': '{circuit}线路持续用电 {current}，已持续 {duration}',
    'flying_wire_charging.parking_unplugged_draw': '停车场线路未插授权插头用电 {current}，已持续 {duration}',
    'flying_wire_charging.quiet': '电流低于 {current} 已持续 {duration}',
    'charger_overheat.smoke_and_heat': '检测到烟雾，{temperature}',
    'charger_overheat.smoke': '检测到烟雾',
    'charger_overheat.heat': '温度 {temperature}',
    'charger_overheat.cooled': '温度低于 {temperature} 且无烟雾已持续 {duration}',
    'broken_light.no_current': '灯已开但电流仅 {current}（夜间连续 {readings} 次读数）',
    'broken_light.dim': '灯已开但照度仅 {light}（夜间连续 {readings} 次读数）',
    'broken_light.good_readings': '连续 {readings} 次读数正常',
    'elevator_fault.fault': '控制器故障码 {code}',
    'elevator_fault.no_fault': '无故障已持续 {duration}',
    'elevator_entrapment.alarm_button': '轿厢内报警按钮被按下',
    'elevator_entrapment.stuck': '轿厢有人、停止且门关闭已持续 {duration}',
    'elevator_entrapment.door_opened': '电梯门已打开',
    'elevator_entrapment.car_running': '轿厢已恢复运行',
    'ebike_in_elevator.detected': '电梯轿厢内检测到电动车',
    'ebike_in_elevator.detected_with_confidence': '电梯轿厢内检测到电动车（置信度 {confidence}）',
    'ebike_in_elevator.seen': '摄像头在电梯轿厢内看到电动车',
    'ebike_in_elevator.not_seen': '已 {duration} 未再看到电动车',
    'camera_tamper.lens': '镜头被遮挡或摄像头被移动',
    'camera_tamper.picture_normal': '画面正常已持续 {duration}',
    'camera_tamper.black_picture': '画面全黑（视频流检测）',
    'camera_tamper.frozen_picture': '画面冻结（视频流检测）',
    'camera_tamper.picture_back': '画面恢复正常（视频流检测）',
    'camera_stream_down.unreadable': '无法读取摄像头视频流',
    'camera_stream_down.readable': '视频流已恢复',
    'device_offline.reported': '设备报告离线（状态消息或遗嘱消息）',
    'device_offline.silent': '{silence} 未收到数据（应每 {interval} 上报一次）',
    'device_offline.telemetry_again': '重新收到设备数据',
    'device_offline.back_online': '设备已重新上线',
    'edge_tamper.opened': '监控箱柜门被打开',
    'edge_tamper.closed': '监控箱柜门已关闭',
    'panic_button.pressed': '紧急按钮被按下',
  },
  en: {
    'flying_wire_charging.circuit_draw': '{circuit} circuit drawing {current} for {duration}',
    'flying_wire_charging.parking_unplugged_draw': 'parking circuit without an authorised plug drawing {current} for {duration}',
    'flying_wire_charging.quiet': 'current below {current} for {duration}',
    'charger_overheat.smoke_and_heat': 'smoke detected, {temperature}',
    'charger_overheat.smoke': 'smoke detected',
    'charger_overheat.heat': 'temperature {temperature}',
    'charger_overheat.cooled': 'below {temperature} and no smoke for {duration}',
    'broken_light.no_current': 'lamp on but drawing {current} ({readings} readings in a row, at night)',
    'broken_light.dim': 'lamp on but only {light} ({readings} readings in a row, at night)',
    'broken_light.good_readings': '{readings} good readings',
    'elevator_fault.fault': 'controller fault {code}',
    'elevator_fault.no_fault': 'no fault for {duration}',
    'elevator_entrapment.alarm_button': 'alarm button pressed in the car',
    'elevator_entrapment.stuck': 'occupied car stopped with the door closed for {duration}',
    'elevator_entrapment.door_opened': 'door opened',
    'elevator_entrapment.car_running': 'car running',
    'ebike_in_elevator.detected': 'e-bike detected in the elevator car',
    'ebike_in_elevator.detected_with_confidence': 'e-bike detected in the elevator car (confidence {confidence})',
    'ebike_in_elevator.seen': 'e-bike seen in the elevator car',
    'ebike_in_elevator.not_seen': 'no e-bike seen for {duration}',
    'camera_tamper.lens': 'lens covered or camera moved',
    'camera_tamper.picture_normal': 'picture normal for {duration}',
    'camera_tamper.black_picture': 'picture black (stream check)',
    'camera_tamper.frozen_picture': 'picture frozen (stream check)',
    'camera_tamper.picture_back': 'picture normal again (stream check)',
    'camera_stream_down.unreadable': 'the stream cannot be read ({detail})',
    'camera_stream_down.readable': 'stream readable again',
    'device_offline.reported': 'device reported offline (status or last will)',
    'device_offline.silent': 'no telemetry for {silence} (expected every {interval})',
    'device_offline.telemetry_again': 'telemetry received again',
    'device_offline.back_online': 'device back online',
    'edge_tamper.opened': "the edge box's cabinet was opened",
    'edge_tamper.closed': 'cabinet closed',
    'panic_button.pressed': 'panic button pressed',
  },
};

const circuits = {
  'zh-CN': { station: '充电站', parking: '停车场', corridor: '走廊', stairwell: '楼梯间' },
  en: { station: 'charging station', parking: 'parking', corridor: 'corridor', stairwell: 'stairwell' },
};

const durations = {
  'zh-CN': { s: '{s}秒', m: '{m}分钟', ms: '{m}分{s}秒', h: '{h}小时', hm: '{h}小时{m}分' },
  en: { s: '{s} s', m: '{m} min', ms: '{m} min {s} s', h: '{h} h', hm: '{h} h {m} min' },
};

const fill = (template, values) => template.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''));

function number(value, options) {
  return new Intl.NumberFormat(lang(), { maximumFractionDigits: 3, ...options }).format(value);
}

function duration(seconds) {
  const words = durations[lang()] ?? durations['zh-CN'];
  const total = Math.max(0, Math.floor(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return fill(m ? words.hm : words.h, { h: number(h), m });
  if (m > 0) return fill(s ? words.ms : words.m, { m, s });
  return fill(words.s, { s });
}

/** One value as the user reads it (device codes and technical text as they are). */
function valueText(value) {
  if (!value || typeof value !== 'object') return '';
  switch (value.type) {
    case 'quantity': return typeof value.number === 'number' ? `${number(value.number)}${value.unit ? ` ${value.unit}` : ''}` : '';
    case 'duration': return typeof value.number === 'number' ? duration(value.number) : '';
    case 'count': return typeof value.number === 'number' ? number(value.number, { maximumFractionDigits: 0 }) : '';
    case 'ratio': return typeof value.number === 'number' ? number(value.number, { style: 'percent', maximumFractionDigits: 0 }) : '';
    case 'circuit': return (circuits[lang()] ?? circuits['zh-CN'])[value.text] ?? String(value.text ?? '');
    default: return String(value.text ?? value.number ?? '');
  }
}

/** A fact as a sentence in the user's language, or null when this screen does not know the fact. */
export function factText(fact) {
  const template = fact && typeof fact.key === 'string' ? (sentences[lang()] ?? sentences['zh-CN'])[fact.key] : undefined;
  if (template === undefined) return null;
  const values = fact.values && typeof fact.values === 'object' ? fact.values : {};
  const text = template.replace(/\{(\w+)\}/g, (_, name) => valueText(values[name]));
  return lang() === 'en' ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}

/** What the rules found about an alert: its fact in the user's language, else its message. */
export function alertFactText(alert) {
  return factText(alert?.fact) ?? alert?.message ?? '';
}

/** The note of an audit-trail step: the system's own notes translated, people's notes as they wrote them. */
export function trailNoteText(step) {
  if (!step?.note) return '';
  const fromFact = factText(step.fact);
  if (fromFact !== null) return fromFact;
  // An escalation's note is its reason (not_acknowledged, not_resolved).
  if (step.action === 'escalated' && step.by === 'system' && has(`escalation.${step.note}`)) return t(`escalation.${step.note}`);
  return step.note;
}

/** Every fact key this screen writes, per language (for the tests that every key has both). */
export function factKeys(language) {
  return Object.keys(sentences[language] ?? {});
}
