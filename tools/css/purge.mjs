// Keep the rules of a stylesheet that the given files use (PurgeCSS), for
// tools/css/build.py, which passes the stylesheet, the content files and the
// safelist as JSON on stdin and reads the CSS from stdout.
import { PurgeCSS } from "purgecss";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const { css, content, safelist } = JSON.parse(input);
const [result] = await new PurgeCSS().purge({
  css: [css],
  content,
  safelist,
  // Drop custom properties, keyframes and font faces no kept rule uses.
  variables: true,
  keyframes: true,
  fontFace: true,
});
process.stdout.write(result.css);
