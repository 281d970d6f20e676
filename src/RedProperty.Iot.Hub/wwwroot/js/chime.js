// The critical-alert chime: a two-tone call every few seconds while a critical alert is unanswered,
// synthesised with Web Audio (no sound file to fetch). Muting is remembered on this screen.
const storageKey = 'rp.muted';
const everyMs = 4000;

export class Chime {
  #context = null;
  #timer = null;
  ringing = false;
  muted = localStorage.getItem(storageKey) === '1';

  /** Browsers start audio suspended until the user interacts with the page. */
  get blocked() { return !this.#context || this.#context.state !== 'running'; }

  async unlock() {
    try {
      this.#context ??= new AudioContext();
      if (this.#context.state === 'suspended') await this.#context.resume();
    } catch { /* no audio device: the flashing row still shows it */ }
  }

  toggleMute() {
    this.muted = !this.muted;
    localStorage.setItem(storageKey, this.muted ? '1' : '0');
    this.#update();
  }

  set(ringing) {
    this.ringing = ringing;
    document.body.dataset.chime = ringing && !this.muted ? 'on' : 'off';
    this.#update();
  }

  #update() {
    const on = this.ringing && !this.muted;
    document.body.dataset.chime = on ? 'on' : 'off';
    if (on && !this.#timer) {
      this.#play();
      this.#timer = setInterval(() => this.#play(), everyMs);
    } else if (!on && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }

  #play() {
    const context = this.#context;
    if (!context || context.state !== 'running') return;
    const start = context.currentTime;
    [[880, 0], [660, 0.28], [880, 0.56]].forEach(([frequency, offset]) => {
      const oscillator = context.createOscillator();
      const gain = context.createGain();
      oscillator.type = 'sine';
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, start + offset);
      gain.gain.exponentialRampToValueAtTime(0.4, start + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.25);
      oscillator.connect(gain).connect(context.destination);
      oscillator.start(start + offset);
      oscillator.stop(start + offset + 0.26);
    });
  }
}
