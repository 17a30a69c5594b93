import { readFileSync, writeFileSync } from 'node:fs';

/** Replaces the text between `<!-- marker:start -->` and `<!-- marker:end -->` in a model card (or README). */
export function replaceBetween(file: string, marker: string, text: string): void {
  const source = readFileSync(file, 'utf8');
  const start = `<!-- ${marker}:start -->`;
  const end = `<!-- ${marker}:end -->`;
  const a = source.indexOf(start);
  const b = source.indexOf(end);
  if (a < 0 || b < 0) throw new Error(`${file} has no ${start} … ${end} section`);
  writeFileSync(file, `${source.slice(0, a + start.length)}\n${text}\n${source.slice(b)}`);
}
