import type { Kysely } from 'kysely';
import type { Database } from './database.ts';

/** The query builder every repository takes first. Free of Workers types, so Node tools can use it. */
export type Db = Kysely<Database>;
