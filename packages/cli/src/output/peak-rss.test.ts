import { spawnSync } from 'node:child_process';
import { peakRssBytes } from './peak-rss';

test('the peak RSS is this process image own, not carried over from the parent that spawned it', () => {
  // Grow this (parent) process well past a small child's size, then spawn a child that reports both figures.
  const ballast = Buffer.alloc(200 * 1024 * 1024, 1);
  const script = `
    const { readFileSync } = require('node:fs');
    const hwm = Number(/^VmHWM:\\s+(\\d+)\\s+kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) * 1024;
    process.stdout.write(JSON.stringify({ hwm, maxRss: process.resourceUsage().maxRSS * 1024 }));`;
  const child = JSON.parse(spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' }).stdout) as { hwm: number; maxRss: number };
  expect(ballast.length).toBeGreaterThan(0);
  expect(peakRssBytes()).toBeGreaterThan(200 * 1024 * 1024);
  if (process.platform !== 'linux') return;
  // The child's own peak is a bare node process; getrusage would have reported the parent's 200+ MB.
  expect(child.hwm).toBeLessThan(150 * 1024 * 1024);
  expect(child.maxRss).toBeGreaterThan(child.hwm);
});
