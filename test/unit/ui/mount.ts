import { render } from 'preact';
import { afterEach, beforeEach } from 'vitest';

/**
 * A fresh element in the document for each test of the calling file (or describe block), unmounted and
 * removed after it. Read `.root` inside tests.
 */
export function useMountPoint(): { readonly root: HTMLElement } {
  let root: HTMLElement | undefined;
  beforeEach(() => {
    root = document.createElement('div');
    document.body.append(root);
  });
  afterEach(() => {
    if (!root) return;
    render(null, root);
    root.remove();
  });
  return {
    get root() {
      if (!root) throw new Error('useMountPoint: read `.root` inside a test');
      return root;
    },
  };
}
