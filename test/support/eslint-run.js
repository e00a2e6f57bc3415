// Runs ESLint outside jest's module sandbox (ESLint loads its config with a dynamic import).
// Input on stdin: { lintProject: boolean, snippets: [{ filePath, code }] }. Output: JSON on stdout.
const { ESLint } = require('eslint');
const path = require('node:path');

(async () => {
  const root = path.join(__dirname, '..', '..');
  const input = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
  const eslint = new ESLint({ cwd: root });
  const toMessages = (results) =>
    results.flatMap((r) => r.messages.map((m) => ({ file: path.relative(root, r.filePath), line: m.line, ruleId: m.ruleId, message: m.message })));
  const project = input.lintProject ? toMessages(await eslint.lintFiles(['.'])) : [];
  const snippets = [];
  for (const s of input.snippets) snippets.push(toMessages(await eslint.lintText(s.code, { filePath: path.join(root, s.filePath) })));
  process.stdout.write(JSON.stringify({ project, snippets }));
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
