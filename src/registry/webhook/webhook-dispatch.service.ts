// From the outbox to the queue. The outbox trigger writes deliveries PENDING with enqueued_at NULL
// in the batch of the change; a dispatch (after a request of an organization with webhooks wrote
// something, off the response path through waitUntil) claims them in one UPDATE ... RETURNING and
// sends one message per delivery. The cron sweep claims whatever a dispatch or consumer left
// behind. A delivery may so be sent twice (at least once), never lost; the event id is the
// receiver's de-duplication key.
import type { Db } from '../../db/db.ts';
import { nowIso } from '../ids.ts';
import { claimLeftBehindDeliveries, claimNewDeliveries } from './webhook.repository.ts';

/** The queue message: the delivery to attempt. Everything else is read when attempting it. */
export interface WebhookMessage {
  deliveryId: string;
}

/** Messages per sendBatch call (the Queues limit is 100 messages). */
const SEND_BATCH_SIZE = 100;
/** Deliveries one dispatch claims; more wait for the next dispatch or the sweep. */
export const DISPATCH_LIMIT = 500;
/** A delivery handed to the queue this long ago and still not attempted counts as lost. */
export const SWEEP_STALE_MS = 10 * 60 * 1000;

async function send(queue: Queue<WebhookMessage>, ids: readonly string[]): Promise<void> {
  for (let start = 0; start < ids.length; start += SEND_BATCH_SIZE) {
    await queue.sendBatch(
      ids.slice(start, start + SEND_BATCH_SIZE).map((deliveryId) => ({ body: { deliveryId } })),
    );
  }
}

/** Hands an organization's new deliveries to the queue; returns how many. */
export async function dispatchNewDeliveries(
  deps: { db: Db; webhookQueue: Queue<WebhookMessage> | null },
  orgId: string,
): Promise<number> {
  if (!deps.webhookQueue) return 0;
  const ids = await claimNewDeliveries(deps.db, orgId, nowIso(), DISPATCH_LIMIT);
  await send(deps.webhookQueue, ids);
  return ids.length;
}

/** The cron job's part: re-sends deliveries left behind in any organization. */
export async function sweepLeftBehindDeliveries(
  deps: { db: Db; webhookQueue: Queue<WebhookMessage> | null },
  now: Date,
): Promise<number> {
  if (!deps.webhookQueue) return 0;
  const staleBefore = new Date(now.getTime() - SWEEP_STALE_MS).toISOString();
  const ids = await claimLeftBehindDeliveries(
    deps.db,
    now.toISOString(),
    staleBefore,
    DISPATCH_LIMIT,
  );
  await send(deps.webhookQueue, ids);
  return ids.length;
}

/**
 * The D1 binding of a request whose organization has webhooks: after each batch that commits, a
 * dispatch runs through waitUntil (one at a time; a batch committed meanwhile runs it once more).
 * Every audited change is a batch, so every event reaches the queue right after its change.
 * Requests of organizations without webhooks never get this wrapper.
 */
export function dispatchingD1(
  d1: D1Database,
  dispatch: () => Promise<unknown>,
  waitUntil: (promise: Promise<unknown>) => void,
): D1Database {
  let running: Promise<void> | null = null;
  let again = false;
  const run = () => {
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await dispatch();
        } catch (error) {
          // The sweep sends it later: a failed dispatch loses nothing.
          console.error(`webhook dispatch failed: ${String(error)}`);
        }
      } while (again);
      running = null;
    })();
    waitUntil(running);
  };
  return new Proxy(d1, {
    get(target, property, receiver) {
      if (property === 'batch') {
        return async (statements: D1PreparedStatement[]) => {
          const results = await target.batch(statements);
          run();
          return results;
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
