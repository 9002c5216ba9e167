// Reading a small UTF-8 / JSON file whole, with errors that name the file (a truncated run file must not surface as
// a bare "Unexpected end of JSON input"). Data sets have their own streamed, line-accurate readers in src/data/.
import { readFileSync } from 'node:fs';

/** The file's text; a read error names the file. */
export function readUtf8File(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: cannot read (${(e as Error).message})`);
  }
}

/** The file parsed as JSON; errors name the file and say it is damaged or truncated. */
export function readJsonFile(file: string): unknown {
  const text = readUtf8File(file);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: invalid JSON (${(e as Error).message}); the file is damaged or truncated`);
  }
}
