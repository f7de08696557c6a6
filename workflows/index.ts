// The workflow bundle's entry point: every workflow the workers run.
export { processOrder } from './process-order/workflow';
