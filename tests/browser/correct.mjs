// Drives headless Chromium over the DevTools protocol as a coordinator
// would: opens a family page, fills in what FILL sets (a JavaScript
// statement, optional), presses one of its buttons, answers the browser's
// prompts, waits until DONE (a JavaScript expression, optional: by default
// the family page back after a correction) and reports where the page went.
//
// node --experimental-websocket correct.mjs CHROMIUM PROFILE_DIR URL SELECTOR ANSWERS_JSON [FILL] [DONE]
// prints {"buttons": N, "path": "/families/...", "alerted": ..., "done": ...} on stdout.
import { spawn } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const [chromium, profile, url, selector, answers, fill = '', done = ''] = process.argv.slice(2);
const sleep = ms => new Promise(r => setTimeout(r, ms));
const browser = spawn(chromium, [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  `--user-data-dir=${profile}`, '--remote-debugging-port=0', 'about:blank',
], { stdio: 'ignore' });

async function main() {
  // Chromium writes the port it chose to DevToolsActivePort.
  const portFile = join(profile, 'DevToolsActivePort');
  for (let i = 0; i < 100 && !existsSync(portFile); i++) await sleep(100);
  let page;
  for (let i = 0; i < 50 && !page; i++) {
    // The port file can be read half written, or a moment before the
    // port listens: read it again each time.
    const port = readFileSync(portFile, 'utf8').split('\n')[0];
    const targets = await fetch(`http://127.0.0.1:${port}/json`).then(r => r.json()).catch(() => []);
    page = targets.find(t => t.type === 'page');
    if (!page) await sleep(100);
  }
  const ws = new WebSocket(page.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
  let id = 0;
  const waiting = new Map();
  ws.onmessage = e => { const m = JSON.parse(e.data); if (waiting.has(m.id)) { waiting.get(m.id)(m); waiting.delete(m.id); } };
  const call = (method, params = {}) => new Promise(resolve => { id += 1; waiting.set(id, resolve); ws.send(JSON.stringify({ id, method, params })); });
  const evaluate = async expression => (await call('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true })).result?.result?.value;
  const until = async (expression, tries = 100) => {
    for (let i = 0; i < tries; i++) { const v = await evaluate(expression); if (v) return v; await sleep(100); }
    return null;
  };

  await call('Page.navigate', { url });
  const buttons = await until(`document.querySelectorAll(${JSON.stringify(selector)}).length`);
  const before = await evaluate('location.pathname');
  // The prompts are answered in order; then the first button is pressed.
  await evaluate(`(() => { const a = ${answers}; window.prompt = () => a.shift(); window.alert = m => { window.__alerted = m; }; window.__old = true; ${fill}; document.querySelector(${JSON.stringify(selector)}).click(); return 1; })()`);
  // Wait for the page to come back with the family as it now stands.
  const finished = done || `!window.__old && document.querySelectorAll('button.join').length > 0`;
  await until(`window.__alerted || (${finished})`);
  const path = await evaluate('location.pathname');
  const alerted = await evaluate('window.__alerted || null');
  const result = done ? await evaluate(done) : null;
  process.stdout.write(JSON.stringify({ buttons, before, path, alerted, done: result ?? null }) + '\n');
  ws.close();
}

main().catch(e => { process.stderr.write(String(e.stack || e) + '\n'); process.exitCode = 1; }).finally(() => browser.kill());
