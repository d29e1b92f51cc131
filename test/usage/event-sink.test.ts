// The Analytics Engine sink asks for at most 250 data points per invocation (Analytics Engine's
// limit): a batch of 1,000 tracked requests writes the first 250 and counts the rest as dropped.
import { env } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import { analyticsEngineSink, MAX_EVENTS_PER_INVOCATION } from '../../src/ports/event-sink.ts';

const event = (n: number) => ({ index: 'org', blobs: ['inference', `m${n}`], doubles: [n] });

describe('analyticsEngineSink', () => {
  it('writes the first 250 events of an invocation and drops the rest with one warning', () => {
    const points: AnalyticsEngineDataPoint[] = [];
    const dataset = {
      writeDataPoint: (point?: AnalyticsEngineDataPoint) => point && points.push(point),
    };
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const sink = analyticsEngineSink(dataset);
    for (let n = 0; n < 1000; n++) sink.write(event(n));
    expect(points).toHaveLength(MAX_EVENTS_PER_INVOCATION);
    expect(points[249]).toEqual({ indexes: ['org'], blobs: ['inference', 'm249'], doubles: [249] });
    expect({ written: sink.written, dropped: sink.dropped }).toEqual({
      written: 250,
      dropped: 750,
    });
    expect(warn).toHaveBeenCalledTimes(1);
    warn.mockRestore();
  });

  it('keeps its budget per sink: each invocation builds its own', () => {
    const dataset = { writeDataPoint: () => undefined };
    const first = analyticsEngineSink(dataset);
    for (let n = 0; n < 250; n++) first.write(event(n));
    const second = analyticsEngineSink(dataset);
    second.write(event(0));
    expect([first.dropped, second.written, second.dropped]).toEqual([0, 1, 0]);
  });

  it('runs on the local binding, refuses more than 20 blobs', () => {
    const sink = analyticsEngineSink(env.EVENTS);
    for (let n = 0; n < 300; n++) sink.write(event(n));
    expect(sink.dropped).toBe(50);
    expect(() =>
      sink.write({ index: 'org', blobs: Array.from({ length: 21 }, () => 'b'), doubles: [] }),
    ).toThrow(/at most 20 blobs/);
  });
});
