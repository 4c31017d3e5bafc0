import { Block } from "./block.js";

/** `gr.State`: not shown; its value lives on the server, so the page sends null. */
export class StateBlock extends Block {
  static EVENTS = ["change"];

  /** Nothing to render. */
  render() {}

  /** @returns {Promise<null>} */
  async payload() {
    return null;
  }

  setValue() {}
}
