// Imported for its side effect by every module that parses with zod. zod/mini (the build this
// Worker bundles: zod's classic build is over four times its size) ships without messages, so
// every issue would read "Invalid input"; the English table is the one classic zod installs, and
// the REST answers, OpenAPI examples and tests quote its messages. The other locales stay out of
// the bundle.
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

z.config(en());
