import { ButtonBlock } from "./button.js";

/**
 * `gr.DuplicateButton`: a button; on a Hugging Face Space (`duplicate_url` set by the
 * server) a click opens the Space's duplication page in a new tab, elsewhere it only fires
 * `click` (as Gradio's, which does nothing outside Spaces).
 */
export class DuplicateButtonBlock extends ButtonBlock {
  build() {
    super.build();
    const url = this.props.duplicate_url;
    if (url) this.button.addEventListener("click", () => window.open(url, "_blank", "noopener"));
  }
}
