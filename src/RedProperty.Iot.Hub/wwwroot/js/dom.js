// Builds elements with text only: device- and user-provided strings never become markup.
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [name, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) continue;
      if (name.startsWith('on')) throw new Error(`event attributes are not allowed: ${name}`);
      if (name === 'class') el.className = value;
      else if (name === 'dataset') Object.assign(el.dataset, value);
      else if (name === 'text') el.textContent = value;
      else el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

const svgNs = 'http://www.w3.org/2000/svg';

/** An icon from the sprite (img/icons.svg). */
export function icon(name, className = 'icon') {
  const svg = document.createElementNS(svgNs, 'svg');
  svg.setAttribute('class', className);
  svg.setAttribute('aria-hidden', 'true');
  const use = document.createElementNS(svgNs, 'use');
  use.setAttribute('href', `/img/icons.svg#${encodeURIComponent(name)}`);
  svg.append(use);
  return svg;
}

/** A small line chart of the last values (null = no reading in that step). */
export function sparkline(values, { width = 120, height = 26, max } = {}) {
  const svg = document.createElementNS(svgNs, 'svg');
  svg.setAttribute('class', 'spark');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('width', width);
  svg.setAttribute('height', height);
  svg.setAttribute('aria-hidden', 'true');
  const present = values.filter(v => v !== null && v !== undefined);
  const top = max ?? Math.max(1e-9, ...present) * 1.1;
  const step = values.length > 1 ? width / (values.length - 1) : width;
  let d = '';
  let pen = false;
  values.forEach((v, i) => {
    if (v === null || v === undefined) { pen = false; return; }
    const x = (i * step).toFixed(1);
    const y = (height - 2 - (Math.min(v, top) / top) * (height - 4)).toFixed(1);
    // A reading with no neighbour still shows, as a dot (round caps on a zero-length stroke).
    d += pen ? `L${x} ${y} ` : `M${x} ${y} l0.01 0 `;
    pen = true;
  });
  const path = document.createElementNS(svgNs, 'path');
  path.setAttribute('d', d.trim() || `M0 ${height - 2} L${width} ${height - 2}`);
  path.setAttribute('class', present.length ? 'spark-line' : 'spark-empty');
  svg.append(path);
  return svg;
}
