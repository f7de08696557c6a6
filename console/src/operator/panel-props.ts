import type { ConsoleConfig } from '../api';

/** What every panel of the operator view is given: where the services are, and the operator's token. */
export type PanelProps = { config: ConsoleConfig; token: string };
