/**
 * The OTP pack's view model (pack.toml `view`): per template, the nested data it reads as `view`.
 * Data only: each view is a pure function of the template's query rows and its for_each row.
 */
import { serverView } from './server.js';

export const views = {
  'otp/server.ts.njk': serverView,
};
