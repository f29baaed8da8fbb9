// Reads [{"tex": "...", "display": true|false}, ...] as JSON on stdin and renders each formula
// with KaTeX (throwOnError: true, strict: "error"). Prints [{"index", "tex", "error"}] for the
// formulas that fail, as JSON on stdout; exits 0 either way (1 only on bad input).
"use strict";
const katex = require("katex");

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  let formulas;
  try {
    formulas = JSON.parse(input);
  } catch (e) {
    process.stderr.write(`bad JSON on stdin: ${e.message}\n`);
    process.exit(1);
  }
  const errors = [];
  formulas.forEach((f, index) => {
    try {
      katex.renderToString(f.tex, { displayMode: !!f.display, throwOnError: true, strict: "error" });
    } catch (e) {
      errors.push({ index, tex: f.tex, error: String(e.message || e) });
    }
  });
  process.stdout.write(JSON.stringify(errors));
});
