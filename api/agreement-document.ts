// The 公共数据开放利用协议 as documents people print and keep: HTML (any browser prints it) and PDF (with a CJK
// font embedded, when one is installed: AGREEMENT_FONT). Both show the text as signed, the signatures and the hash.
import fs from 'node:fs';
import PDFDocument from 'pdfkit';
import type { AgreementRow } from '../db/repositories/agreements';
import { shanghaiTime } from '../domain/calendar';
import { AGREEMENT_STATUS_NAMES } from '../domain/open-request';

// The font's default path is the configuration's (AGREEMENT_FONT); the routes find it here too.
export { DEFAULT_AGREEMENT_FONT } from '../config';
/** The face of the default font's collection. */
const FONT_FACE = 'WenQuanYiMicroHei';

const PARTY = { licensee: '乙方', provider: '甲方' } as const;

/** Who signed, by name (甲方 the providing agency, 乙方 the licensee), and when, as a Chinese document writes it. */
const signedBy = (a: AgreementRow, s: AgreementRow['signatures'][number]) => ({
  party: PARTY[s.party],
  name: s.party === 'provider' ? a.terms.provider.name : a.terms.licensee.name,
  at: shanghaiTime(s.at),
});
/** The document's footer: the case number, the status by name, the text's hash. */
const footer = (a: AgreementRow) => `${a.case_number ? `受理编号:${a.case_number};` : ''}协议状态:${AGREEMENT_STATUS_NAMES[a.status]};文本 SHA-256:`;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The agreement as a printable Chinese document: its text as signed, the signatures and the hash. */
export function agreementHtml(a: AgreementRow): string {
  const [title, ...lines] = a.text.split('\n');
  const signatures = a.signatures.length
    ? a.signatures
        .map((s) => {
          const b = signedBy(a, s);
          return `<tr><td>${b.party}</td><td>${escapeHtml(b.name)}</td><td>${b.at}</td><td class="hash">${escapeHtml(s.sha256)}</td></tr>`;
        })
        .join('')
    : '<tr><td colspan="4">尚未签署</td></tr>';
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>${escapeHtml(title)}${a.case_number ? ` ${escapeHtml(a.case_number)}` : ''}</title>
<style>
@page { size: A4; margin: 22mm 20mm; }
body { font-family: "Noto Serif CJK SC", "Source Han Serif SC", "Songti SC", SimSun, serif; font-size: 12pt; line-height: 1.9; max-width: 170mm; margin: 0 auto; color: #000; }
h1 { text-align: center; font-size: 20pt; letter-spacing: .2em; margin: 0 0 1em; }
p { margin: .3em 0; text-align: justify; }
table { width: 100%; border-collapse: collapse; margin-top: 2em; page-break-inside: avoid; }
td, th { border: 1px solid #000; padding: .3em .5em; font-size: 10pt; vertical-align: top; }
.hash { font-family: monospace; font-size: 8pt; word-break: break-all; }
footer { margin-top: 2em; font-size: 9pt; }
</style></head><body>
<h1>${escapeHtml(title)}</h1>
${lines.map((l) => (l ? `<p>${escapeHtml(l)}</p>` : '')).join('\n')}
<table><thead><tr><th>签署方</th><th>签署人</th><th>时间</th><th>所签文本 SHA-256</th></tr></thead><tbody>${signatures}</tbody></table>
<footer>${escapeHtml(footer(a))}<span class="hash">${escapeHtml(a.sha256)}</span></footer>
</body></html>`;
}

/** Whether a PDF can be made here: the CJK font is installed. */
export const pdfFontAvailable = (fontPath: string) => fs.existsSync(fontPath);

/** The agreement as a PDF (A4), the font's glyphs it uses embedded. */
export function agreementPdf(a: AgreementRow, fontPath: string): Promise<Buffer> {
  const [title, ...lines] = a.text.split('\n');
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: 62, bottom: 62, left: 57, right: 57 },
    info: { Title: `${title}${a.case_number ? ` ${a.case_number}` : ''}`, Subject: a.sha256 },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  // A collection (Debian's .ttc) is asked for its face; a font file (the Noto Sans SC npm test may bring) is one.
  const font = fs.readFileSync(fontPath);
  if (font.subarray(0, 4).toString('latin1') === 'ttcf') doc.font(font, FONT_FACE);
  else doc.font(font);
  doc.fontSize(18).text(title, { align: 'center' }).moveDown();
  doc.fontSize(11);
  for (const line of lines) {
    if (line) doc.text(line, { lineGap: 4 });
    else doc.moveDown(0.5);
  }
  doc.moveDown().fontSize(10).text('签署记录', { underline: true });
  if (!a.signatures.length) doc.text('尚未签署');
  for (const s of a.signatures) {
    const b = signedBy(a, s);
    doc.text(`${b.party}:${b.name},${b.at}签署,所签文本 SHA-256 ${s.sha256}`);
  }
  doc
    .moveDown()
    .fontSize(8)
    .text(`${footer(a)}${a.sha256}`);
  doc.end();
  return done;
}
