// The console's static files (console/dist), which the API serves at /console: built with Vite from the
// project's own packages (nothing fetched at run time).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CONSOLE_DIST } from '../api/console';

const VITE = path.resolve(__dirname, '../node_modules/vite/bin/vite.js');

export function buildConsole(outDir = CONSOLE_DIST): void {
  execFileSync(process.execPath, [VITE, 'build', path.dirname(CONSOLE_DIST), '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], { stdio: 'inherit' });
}

/** Builds the console when no build is there (a fresh checkout); a deployment without Vite serves what it has. */
export function ensureConsoleBuilt(log: (msg: string) => void): void {
  if (fs.existsSync(path.join(CONSOLE_DIST, 'index.html'))) return;
  if (!fs.existsSync(VITE)) return log('no console build and no Vite to build it: /console will say so');
  log('building the console (console/dist), once');
  buildConsole();
}
