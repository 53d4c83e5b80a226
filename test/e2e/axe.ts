import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

/** What axe found on a page, by impact, with each serious or critical rule and where. */
export interface AxeReport {
  counts: Record<string, number>;
  serious: string[];
  /** Every rule that failed, with its impact: for the report. */
  rules: string[];
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core on a page. Extension pages' CSP (`script-src 'self'`) refuses an inline `<script>` (so
 * `addScriptTag({ content })` fails there); axe's source goes in through Playwright's `evaluate`, which
 * DevTools runs outside the page's CSP.
 */
export async function runAxe(page: Page): Promise<AxeReport> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<unknown> } })
      .axe;
    const result = (await axe.run(document, { resultTypes: ['violations'] })) as {
      violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[];
    };
    return result.violations.map(({ id, impact, nodes }) => ({
      id,
      impact: impact ?? 'minor',
      targets: nodes.map((node) => node.target.join(' ')),
    }));
  });
  const counts: Record<string, number> = { critical: 0, serious: 0, moderate: 0, minor: 0 };
  for (const { impact } of violations) counts[impact] = (counts[impact] ?? 0) + 1;
  const serious = violations
    .filter(({ impact }) => impact === 'serious' || impact === 'critical')
    .map(({ id, impact, targets }) => `${impact} ${id}: ${targets.join(', ')}`);
  return { counts, serious, rules: violations.map(({ id, impact }) => `${impact} ${id}`) };
}
