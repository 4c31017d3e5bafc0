/** What the choice widgets (dropdown, radio, checkbox group) share. */

import { sameValue } from "../dom.js";

/**
 * @typedef {[string, string|number]} Choice a choice as [label shown, value]
 */

/**
 * @param {object} props a component's props
 * @returns {Choice[]} its choices as [label, value] pairs
 */
export function choicesOf(props) {
  return (props.choices ?? []).map((choice) => (Array.isArray(choice) ? choice : [String(choice), choice]));
}

/**
 * @param {Choice[]} choices
 * @param {unknown} value
 * @returns {number} the position of the choice whose value is `value`, or -1
 */
export function choiceIndex(choices, value) {
  return choices.findIndex(([, choice]) => sameValue(choice, value));
}

/** @returns {string} a name no other element of the page has (for radio groups) */
let groups = 0;
export function groupName() {
  groups += 1;
  return `choice-group-${groups}`;
}
