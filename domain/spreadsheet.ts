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
