// Cells a spreadsheet program will not run. A cell starting with =, +, -, @, tab or CR may be taken for a
// formula (OWASP's CSV injection), in a CSV when it is opened and in an XLSX when its cell is edited: every
// exported cell goes through inertCell, and every imported one through cellText, which gives the text back.

/** Text a spreadsheet may take for a formula, after any quotes inertCell put (or found) before it. */
const FORMULA_START = /^'*[=+\-@\t\r]/;

/** The text as an exported cell: behind a quote when it could start a formula (the quote spreadsheets show for text). */
export function inertCell(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/**
 * An imported cell's text: the one quote inertCell put before it taken off. A quote before anything else is
 * the text's own (inertCell puts a quote before quotes only when they lead to a formula's character).
 */
export function cellText(cell: string): string {
  return cell.startsWith("'") && FORMULA_START.test(cell) ? cell.slice(1) : cell;
}

/** A CSV cell: quoted when it holds a comma, quote or line break (RFC 4180). */
export const csvCell = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** Text as an XLSX carries it: a CR (XML reads a bare one as a line feed) and the characters XML refuses as `_xHHHH_`, as Excel writes them, and an underscore that would read as such an escape escaped itself. */
export const xlsxText = (v: string) =>
  v
    .replace(/_(?=x[0-9A-Fa-f]{4}_)/g, '_x005F_')
    .replace(/[\x00-\x08\x0b-\x1f\ufffe\uffff]/g, (c) => `_x${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}_`);
/** An XLSX cell of text: an inline string, never a formula. */
export const xlsxCell = (v: string) => ({ richText: [{ text: xlsxText(v) }] });
