// Analytics Engine behind a port: the services write events through EventSink, the Worker binds
// Cloudflare's dataset (env.EVENTS, accepted and dropped by local workerd), and tests pass a
// RecordingEventSink to check exactly what would be written.

/** One Analytics Engine data point: index 1 is the sampling key (the organization). */
export interface AnalyticsEvent {
  index: string;
  blobs: string[];
  doubles: number[];
}

export interface EventSink {
  write(event: AnalyticsEvent): void;
}

/** Analytics Engine allows 20 blobs and 20 doubles per data point, and one index of 96 bytes. */
export const MAX_EVENT_BLOBS = 20;
export const MAX_EVENT_DOUBLES = 20;

/**
 * Analytics Engine takes at most 250 data points per Worker invocation (its limits page). A call
 * that tracks 1,000 requests or records 1,000 metric points would pass it.
 */
export const MAX_EVENTS_PER_INVOCATION = 250;

/** An EventSink that also says how many events it could not write. */
export interface CountingEventSink extends EventSink {
  readonly written: number;
  readonly dropped: number;
}

/**
 * The sink of ONE invocation (a request, a cron trigger): it writes the first 250 events and drops
 * the rest, with one warning, rather than asking Analytics Engine for more than it accepts. D1 holds
 * every request and point either way; the events are an export for the organization's own
 * analytics (docs/usage.md).
 */
export function analyticsEngineSink(dataset: AnalyticsEngineDataset): CountingEventSink {
  let written = 0;
  let dropped = 0;
  return {
    get written() {
      return written;
    },
    get dropped() {
      return dropped;
    },
    write(event) {
      if (event.blobs.length > MAX_EVENT_BLOBS || event.doubles.length > MAX_EVENT_DOUBLES) {
        throw new Error('An Analytics Engine data point takes at most 20 blobs and 20 doubles');
      }
      if (written >= MAX_EVENTS_PER_INVOCATION) {
        if (dropped === 0) {
          console.warn(
            `Analytics Engine takes ${MAX_EVENTS_PER_INVOCATION} data points per invocation: later events of this one are not written (D1 has them)`,
          );
        }
        dropped += 1;
        return;
      }
      written += 1;
      // writeDataPoint queues the point and returns at once; it never fails the request.
      dataset.writeDataPoint({
        indexes: [event.index],
        blobs: event.blobs,
        doubles: event.doubles,
      });
    },
  };
}

/** Keeps every event, for tests. */
export class RecordingEventSink implements EventSink {
  readonly events: AnalyticsEvent[] = [];

  write(event: AnalyticsEvent): void {
    this.events.push(event);
  }
}
