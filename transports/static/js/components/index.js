/** Every component type this page renders, by its config `type`, and how one is made. */

import { ButtonBlock } from "./button.js";
import { DataframeBlock } from "./dataframe.js";
import { DatasetBlock } from "./dataset.js";
import { FileBlock, UploadButtonBlock } from "./files/file.js";
import { AnnotatedImageBlock, GalleryBlock, ImageSliderBlock } from "./files/gallery.js";
import { AudioBlock, VideoBlock } from "./files/media.js";
import { ImageBlock } from "./image/input.js";
import { JsonBlock } from "./json.js";
import { LabelBlock } from "./label.js";
import { MarkdownBlock } from "./markdown.js";
import { NumberBlock } from "./number.js";
import { SliderBlock } from "./slider.js";
import { StateBlock } from "./state.js";
import { TextboxBlock } from "./textbox.js";
import { TimerBlock } from "./timer.js";
import { UnknownBlock } from "./unknown.js";
// the choice and text components
import { CheckboxBlock, CheckboxGroupBlock } from "./checkbox.js";
import { CodeBlock } from "./code.js";
import { ColorPickerBlock } from "./colorpicker.js";
import { DropdownBlock } from "./dropdown.js";
import { DuplicateButtonBlock } from "./duplicatebutton.js";
import { HighlightedTextBlock } from "./highlightedtext.js";
import { HtmlBlock } from "./html.js";
import { RadioBlock } from "./radio.js";

// the app treats these two apart (webcam streams, timers that start with the app)
export { ImageBlock, TimerBlock };

const BLOCK_TYPES = {
  image: ImageBlock,
  button: ButtonBlock,
  textbox: TextboxBlock,
  number: NumberBlock,
  slider: SliderBlock,
  label: LabelBlock,
  markdown: MarkdownBlock,
  json: JsonBlock,
  state: StateBlock,
  timer: TimerBlock,
  // the choice and text components
  dropdown: DropdownBlock,
  radio: RadioBlock,
  checkbox: CheckboxBlock,
  checkboxgroup: CheckboxGroupBlock,
  colorpicker: ColorPickerBlock,
  html: HtmlBlock,
  code: CodeBlock,
  highlightedtext: HighlightedTextBlock,
  duplicatebutton: DuplicateButtonBlock,
  dataframe: DataframeBlock,
  dataset: DatasetBlock,
  file: FileBlock,
  uploadbutton: UploadButtonBlock,
  video: VideoBlock,
  audio: AudioBlock,
  gallery: GalleryBlock,
  imageslider: ImageSliderBlock,
  annotatedimage: AnnotatedImageBlock,
};

/**
 * @param {{id: number, type: string, props: object}} config one entry of config.components
 * @param {number} index its position in config.components
 * @param {BlockServices} services
 * @returns {Block} the rendered component
 */
export function createBlock(config, index, services) {
  const Type = BLOCK_TYPES[config.type] ?? UnknownBlock;
  const block = new Type(config, index, services);
  block.render();
  return block;
}
