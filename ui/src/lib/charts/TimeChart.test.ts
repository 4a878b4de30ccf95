import { render, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import TimeChart from './TimeChart.svelte';

/** The options each chart was built with (uPlot itself needs a canvas, which the test DOM lacks). */
const built = vi.hoisted(() => [] as { axes: { font?: string; labelFont?: string }[] }[]);

vi.mock('uplot', () => ({
  default: class {
    constructor(opts: { axes: { font?: string; labelFont?: string }[] }) {
      built.push(opts);
    }
    destroy(): void {}
    setSize(): void {}
  },
}));

afterEach(() => {
  built.length = 0;
  document.documentElement.style.removeProperty('--font-sans');
});

describe('TimeChart', () => {
  it("draws its axes in the app's font stack, as the page has it", async () => {
    // What lib/shell/fonts.ts leaves where the platform has no system-ui face.
    document.documentElement.style.setProperty('--font-sans', 'sans-serif');
    render(TimeChart, {
      x: [0, 3_600_000],
      series: [{ label: 'Hits', colour: '--accent', fallback: '#0b5cad', values: [1, 2] }],
      yLabel: 'hits per hour',
    });
    await waitFor(() => expect(built).toHaveLength(1));
    expect(built[0]?.axes).toHaveLength(2);
    for (const axis of built[0]?.axes ?? []) {
      // Not uPlot's default list of named families (system-ui, -apple-system, Segoe UI, ...).
      expect(axis.font).toBe('12px sans-serif');
      expect(axis.labelFont).toBe('600 12px sans-serif');
    }
  });
});
