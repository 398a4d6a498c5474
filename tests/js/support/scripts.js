// What every Apps Script test runtime shares: the project's files in push order, HtmlService
// scriptlets, and the JSON round trip that google.script.run makes.

const fs = require('node:fs');
const vm = require('node:vm');
const { PROJECT_DIR } = require('./fake-gas');

/**
 * HTML-escapes a value printed by `<?= ?>` (the platform's escaping is contextual and stricter).
 *
 * @param {unknown} value
 * @return {string}
 */
function escapeHtml(value) {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * Evaluates HtmlService scriptlets: `<?= expr ?>` printed escaped, `<?!= expr ?>` printed
 * as is. Code scriptlets (`<? … ?>`) are not used by the project and are refused.
 *
 * @param {vm.Context} context the scripts' global scope.
 * @param {string} text the template.
 * @param {Object<string, unknown>} props the template's properties.
 * @return {string}
 */
function renderTemplate(context, text, props) {
  const names = Object.keys(props);
  return text.replace(
    /<\?(!?=)?([\s\S]*?)\?>/g,
    (_all, /** @type {string | undefined} */ kind, /** @type {string} */ body) => {
      if (!kind) throw new Error(`Code scriptlets are not supported by the test harness: ${body}`);
      const expr = body.trim().replace(/;$/, '');
      const fn = vm.runInContext(`(function (${names.join(', ')}) { return (${expr}); })`, context);
      const value = fn(...names.map((n) => props[n]));
      return kind === '!=' ? String(value) : escapeHtml(value);
    },
  );
}

/** @return {string[]} the .js files of the Apps Script project, in push (alphabetical) order. */
function projectScripts() {
  return fs
    .readdirSync(PROJECT_DIR)
    .filter((f) => f.endsWith('.js'))
    .sort();
}

/**
 * JSON round trip: values from the vm realm become plain host objects (and Dates fail).
 *
 * @param {unknown} value
 * @return {any}
 */
function plain(value) {
  if (value === undefined) return undefined;
  assertNoDate(value, '$');
  return JSON.parse(JSON.stringify(value));
}

/**
 * @param {unknown} value
 * @param {string} where the path of the value, for the message.
 */
function assertNoDate(value, where) {
  if (Object.prototype.toString.call(value) === '[object Date]') {
    throw new Error(`google.script.run cannot return a Date (at ${where})`);
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) assertNoDate(v, `${where}.${k}`);
  }
}

module.exports = { assertNoDate, escapeHtml, plain, projectScripts, renderTemplate };
