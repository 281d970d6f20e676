// The critical-alert chime: a two-tone call every few seconds while a critical alert is unanswered,
// synthesised with Web Audio (no sound file to fetch). Muting is remembered on this screen.
const storageKey = 'rp.muted';
const everyMs = 4000;

export class Chime {
  #context = null;
  #timer = null;
  ringing = false;
  muted = localStorage.getItem(storageKey) === '1';
  /** Called when the browser starts or stops letting the page play sound. */
  onchange = null;

  /** Browsers start audio suspended until the user interacts with the page. */
  get blocked() { return !this.#context || this.#context.state !== 'running'; }

  /**
   * At start: a browser told to allow sound without a gesture (a kiosk started with
   * --autoplay-policy=no-user-gesture-required) runs the audio at once; others keep it suspended
   * until the first touch (unlock).
   */
  start() {
    this.#create();
    this.#update();
  }

  async unlock() {
    try {
      this.#create();
      if (this.#context?.state === 'suspended') await this.#context.resume();
    } catch { /* no audio device: the flashing row still shows it */ }
    this.#update();
  }

  #create() {
    if (this.#context) return;
    try {
      this.#context = new AudioContext();
      this.#context.addEventListener('statechange', () => { this.#update(); this.onchange?.(); });
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
    document.body.dataset.sound = this.blocked ? 'blocked' : 'running';
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
