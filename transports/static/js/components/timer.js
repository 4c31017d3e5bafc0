import { Block } from "./block.js";

/** `gr.Timer`: not shown; fires `tick` every `value` seconds while `active`. */
export class TimerBlock extends Block {
  static EVENTS = ["tick"];

  /** Nothing to render. */
  render() {}

  /** Start ticking (called once the app is ready). */
  start() {
    this.restart();
  }

  /** (Re)start the interval from the current value. */
  restart() {
    clearInterval(this.interval);
    const seconds = Number(this.value);
    if (this.props.active === false || !(seconds > 0)) return;
    this.interval = setInterval(() => this.emit("tick"), seconds * 1000);
  }

  /** @param {number|null} value a new interval in seconds */
  setValue(value) {
    this.value = value;
    if (this.interval !== undefined) this.restart();
  }
}
