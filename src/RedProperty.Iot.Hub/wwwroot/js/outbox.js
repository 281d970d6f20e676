// What a grid worker did while the phone had no connection (the phone page's steps, the sticker page's
// arrival), kept in this browser and sent in order when the connection returns. One queue for both pages, so
// an arrival tapped in a basement goes out from whichever page is open next. The hub takes a repeated step
// as done or answers that it is already done, so an action is recorded once even if its answer was lost.
import { ApiError, postJson, postFile } from './api.js';
import { fromDataUrl } from './photo.js';

const key = 'rp.field.queue';

/** Sends one waiting action; answers the alert as it now is (null for a photo). */
export async function sendAction(item) {
  const path = `/api/alerts/${encodeURIComponent(item.alertId)}/${item.action}`;
  if (item.action === 'photo') {
    await postFile(path, fromDataUrl(item.body.photo));
    return null;
  }
  return postJson(path, item.body);
}

export class FieldOutbox {
  #flushing = false;
  #onChange;

  /** @param onChange called with the number waiting whenever it changes (or when storage is full: -1). */
  constructor(onChange) {
    this.#onChange = onChange;
  }

  get items() {
    try { return JSON.parse(localStorage.getItem(key) || '[]'); } catch { return []; }
  }

  #save(items) {
    try {
      localStorage.setItem(key, JSON.stringify(items));
      this.#onChange(items.length);
    } catch {
      // The browser's storage is full (photos waiting).
      this.#onChange(-1);
    }
  }

  push(item) {
    this.#save([...this.items, item]);
  }

  /** Tells the page how many wait. */
  refresh() { this.#onChange(this.items.length); }

  /**
   * Sends what waits, oldest first. send(item) does the request; when it fails for want of a connection the
   * rest waits for the next flush; when the hub refuses, refused(item, error) hears why and the item is dropped.
   */
  async flush(send, refused) {
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      for (let items = this.items; items.length > 0; items = this.items) {
        const item = items[0];
        try {
          await send(item);
        } catch (e) {
          if (!(e instanceof ApiError)) break;
          refused(item, e);
        }
        const rest = this.items;
        if (rest.length > 0 && JSON.stringify(rest[0]) === JSON.stringify(item)) rest.shift();
        this.#save(rest);
      }
    } finally {
      this.#flushing = false;
    }
  }
}
