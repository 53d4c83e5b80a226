import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';

/*
 * Dependencies run one way (CONVENTIONS.md): pages -> ui -> protocol -> model; worker -> handlers -> engine,
 * text, retrieval, chat -> protocol -> model. Checked on the imports themselves, so a type that two layers
 * need cannot quietly move into the higher one.
 */

const SRC = resolve('src');

/** Every `.ts`/`.tsx` file under a folder of `src/`, with the `src/` paths it imports. */
function importsUnder(folder: string): { file: string; imports: string[] }[] {
  const root = join(SRC, folder);
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((name) => /\.tsx?$/.test(name))
    .map((name) => {
      const path = join(root, name);
      const specifiers = [...readFileSync(path, 'utf8').matchAll(/\bfrom '(\.[^']+)'/g)].map(
        (m) => m[1] ?? '',
      );
      return {
        file: relative(SRC, path),
        imports: specifiers.map((specifier) => relative(SRC, resolve(dirname(path), specifier))),
      };
    });
}

const inFolder = (path: string, folder: string) => path === folder || path.startsWith(`${folder}/`);

describe('one direction of dependency', () => {
  test('model/ imports nothing of the other layers', () => {
    const reaching = importsUnder('model').flatMap(({ file, imports }) =>
      imports.filter((path) => !inFolder(path, 'model')).map((path) => `${file} -> ${path}`),
    );
    expect(reaching).toEqual([]);
  });

  test.each(['protocol', 'text', 'pdf', 'chat', 'retrieval', 'ui'])(
    '%s/ does not import engine/',
    (folder) => {
      const reaching = importsUnder(folder).flatMap(({ file, imports }) =>
        imports.filter((path) => inFolder(path, 'engine')).map((path) => `${file} -> ${path}`),
      );
      // The settings page's one way in: what must run in the page (see engine/page-access.ts).
      const allowed = (edge: string) =>
        edge.startsWith('ui/settings/') && edge.endsWith('-> engine/page-access');
      expect(reaching.filter((edge) => !allowed(edge))).toEqual([]);
    },
  );

  test.each(['engine', 'text', 'pdf', 'chat', 'retrieval', 'protocol', 'ui'])(
    '%s/ does not import handlers/',
    (folder) => {
      const reaching = importsUnder(folder).flatMap(({ file, imports }) =>
        imports.filter((path) => inFolder(path, 'handlers')).map((path) => `${file} -> ${path}`),
      );
      expect(reaching).toEqual([]);
    },
  );

  test('protocol/ does not import the layers above it', () => {
    const reaching = importsUnder('protocol').flatMap(({ file, imports }) =>
      imports
        .filter((path) =>
          ['handlers', 'ui', 'text', 'pdf', 'chat', 'retrieval'].some((up) => inFolder(path, up)),
        )
        .map((path) => `${file} -> ${path}`),
    );
    expect(reaching).toEqual([]);
  });

  test.each(['engine', 'text', 'chat', 'retrieval'])(
    '%s/ takes only types from the protocol index (its values load webextension-polyfill, which Node refuses)',
    (folder) => {
      const root = join(SRC, folder);
      const reaching = readdirSync(root, { recursive: true, encoding: 'utf8' })
        .filter((name) => /\.tsx?$/.test(name))
        .flatMap((name) => {
          const path = join(root, name);
          return [
            ...readFileSync(path, 'utf8').matchAll(/\bimport\s+(type\s+)?\{([^}]*)\}\s+from '(\.[^']+)'/g),
          ]
            .filter(([, typeOnly, names = '', specifier = '']) => {
              if (typeOnly || relative(SRC, resolve(dirname(path), specifier)) !== 'protocol') return false;
              return names.split(',').some((entry) => entry.trim() !== '' && !/^type\s/.test(entry.trim()));
            })
            .map(([, , , specifier]) => `${relative(SRC, path)} -> ${specifier}`);
        });
      expect(reaching).toEqual([]);
    },
  );
});
