/**
 * The OTP pack's view model (pack.toml `view`): per template, the nested data it reads as `view`.
 * Data only: each view is a pure function of the template's query rows and its for_each row.
 */
import { clientView } from './client.js';
import { appMachinesView, machineView } from './machine.js';
import { serverView } from './server.js';
import { supervisionView } from './supervisor.js';
import { typesView } from './types.js';

export const views = {
  'otp/client.ts.njk': clientView,
  'otp/server.ts.njk': serverView,
  'otp/supervisor.ts.njk': supervisionView,
  'otp/supervisor.test.ts.njk': supervisionView,
  'otp/types.ts.njk': typesView,
  'otp/state-machine.ts.njk': machineView,
  'otp/machines.ts.njk': appMachinesView,
  'otp/machines.test.ts.njk': appMachinesView,
  'otp/state-machine-handwritten.ts.njk': machineView,
  'otp/state-machine-handwritten-stub.ts.njk': machineView,
};
