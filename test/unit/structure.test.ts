import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/** Rules about where things live in src/, checked on the text of every source file. */

const SRC = path.join(__dirname, '../../src');

function sources(dir = SRC): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : /\.(ts|sql)$/.test(e.name) ? [p] : [];
  });
}

/** `file:line: text` of each line of src/ that matches, outside the files allowed to. */
function offending(pattern: RegExp, allowed: string[] = []): string[] {
  return sources()
    .filter((f) => !allowed.includes(path.relative(SRC, f)))
    .flatMap((f) =>
      fs
        .readFileSync(f, 'utf8')
        .split('\n')
        .flatMap((line, i) => (pattern.test(line) ? [`src/${path.relative(SRC, f)}:${i + 1}: ${line.trim()}`] : [])),
    );
}

describe('source structure', () => {
  it('reads the environment only in src/config.ts: every setting is part of the one validated Config', () => {
    expect(offending(/process\.env/, ['config.ts'])).toEqual([]);
  });

  it('starts no background work in route files: the loops are listed in src/background.ts', () => {
    const routeFiles = sources().filter((f) => path.basename(f) === 'routes.ts');
    expect(routeFiles.length).toBeGreaterThan(0);
    const started = routeFiles.flatMap((f) =>
      fs
        .readFileSync(f, 'utf8')
        .split('\n')
        .flatMap((line, i) =>
          /setInterval\(|setTimeout\(|\.start\(|startPollSupervisor|\.publish =/.test(line)
            ? [`${path.relative(SRC, f)}:${i + 1}`]
            : [],
        ),
    );
    expect(started).toEqual([]);
  });

  it('closes sockets with the named codes of WsClose, never a bare number', () => {
    expect(offending(/\.close\(\s*\d/)).toEqual([]);
  });
});
