// Photos taken with the phone's camera, made small before they are sent: upright, at most 1600 pixels on
// the long side, JPEG. The hub scales and re-encodes them again (and drops what the phone wrote into them);
// doing it here too keeps uploads to a few hundred KB on a weak connection.
const longEdge = 1600;

/** The photo of a file input, scaled down, as a JPEG blob. */
export async function shrinkPhoto(file) {
  const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  const scale = Math.min(1, longEdge / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(bitmap.width * scale));
  canvas.height = Math.max(1, Math.round(bitmap.height * scale));
  const context = canvas.getContext('2d');
  context.fillStyle = '#fff';
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  return new Promise((resolve, reject) => canvas.toBlob(b => (b ? resolve(b) : reject(new Error('photo'))), 'image/jpeg', 0.82));
}

/** A blob as a data URL, to keep it in localStorage while the phone is offline. */
export function toDataUrl(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

/** The blob a data URL holds (decoded here: the page may not fetch data: URLs). */
export function fromDataUrl(url) {
  const [head, data] = url.split(',', 2);
  const type = head.slice(5).split(';')[0] || 'application/octet-stream';
  const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
  return new Blob([bytes], { type });
}
