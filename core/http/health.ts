import type { RequestHandler } from 'express';
import type { Logger } from '../logger';
import type { ReadinessReport } from '../../contracts/http/common';

/** Liveness: the process answers HTTP. Deliberately checks nothing else, so a slow dependency never gets it killed. */
export const healthz: RequestHandler = (_req, res) => {
  res.json({ ok: true });
};

/** Readiness: whether this instance should receive traffic, i.e. whether its dependencies answer. */
export function readyz(readiness: () => Promise<ReadinessReport>, logger: Logger): RequestHandler {
  return async (_req, res) => {
    let report: ReadinessReport;
    try {
      report = await readiness();
    } catch (err) {
      logger.warn({ err }, 'readiness check threw');
      report = {
        ok: false,
        checks: { readiness: { ok: false, required: true, detail: (err as Error).message } },
      };
    }
    res.status(report.ok ? 200 : 503).json(report);
  };
}
