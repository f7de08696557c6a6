/** The phases' names, as the report shows them and the goals find them. */
export const PHASE = {
  floor: 'engine floor',
  full: 'full workflow',
  pipeline: 'pipeline',
  kafka: 'bare Kafka',
  api: 'API burst',
} as const;
