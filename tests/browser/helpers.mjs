// Shared by the browser journeys: Debian's Chromium driven by playwright-core, and an axe-core
// check of every page a journey passes (WCAG 2.0/2.1 A and AA).
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';

export const BASE = process.env.BASE_URL ?? 'http://127.0.0.1:8080';
const SHOTS = new URL('./screenshots/', import.meta.url).pathname;

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Fails on any WCAG 2.1 A/AA violation, naming each with the elements it concerns. */
export async function checkAccessibility(page, name) {
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  const report = result.violations.map(v =>
    `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.map(n => n.target.join(' ')).join('\n  ')}`);
  assert.deepEqual(report, [], `accessibility violations on ${name} (${page.url()})`);
}

/** Checks a page and keeps a screenshot of it for people to look at. */
export async function visit(page, name) {
  await checkAccessibility(page, name);
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}${process.env.DB ?? 'db'}-${name}.png`, fullPage: true });
}
