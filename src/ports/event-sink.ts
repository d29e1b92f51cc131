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

export function analyticsEngineSink(dataset: AnalyticsEngineDataset): EventSink {
  return {
    write(event) {
      if (event.blobs.length > MAX_EVENT_BLOBS || event.doubles.length > MAX_EVENT_DOUBLES) {
        throw new Error('An Analytics Engine data point takes at most 20 blobs and 20 doubles');
      }
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
