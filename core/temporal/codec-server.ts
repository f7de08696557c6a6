import type { Payload, PayloadCodec } from '@temporalio/common';
import cors from 'cors';
import { Router, type RequestHandler } from 'express';
import { CodecBody, type CodecPayload } from '../../contracts/http/codec';
import { UnknownKeyError } from '../crypto/keyring';
import { ApiError, parseOrThrow } from '../http/errors';
import { errorHandler, jsonBody } from '../http/middleware';
import type { Logger } from '../logger';
import { PayloadDecryptionError } from './payload-codec';

/**
 * The codec endpoint of Temporal's remote codec protocol, through which the Web UI (and `temporal … --codec-endpoint`)
 * shows the payloads the system encrypts: POST `<base>/decode` and `<base>/encode`, also as
 * `<base>/<namespace>/decode` for the CLI's `{namespace}` templating. It hands out personal data in clear, so it
 * answers only callers the guard accepts, and only browsers on the allowed origins may read its answers.
 */
export interface CodecServerDeps {
  codec: PayloadCodec;
  /** Authenticates the caller as an operator: calls next() to let the request through, or answers/fails it. */
  guard: RequestHandler;
  /** Browser origins (the Web UI's) that may call it with credentials; no other origin gets CORS headers. */
  corsOrigins: readonly string[];
  /** The namespace whose payloads the codec's keys belong to; a request naming another is refused. */
  namespace: string;
  bodyLimitBytes: number;
  logger: Logger;
}

/** The headers the Web UI sends: its JSON body, the namespace, and its access token when told to pass it. */
const REQUEST_HEADERS = ['Content-Type', 'X-Namespace', 'Authorization'];

const bytes = (base64: string | null | undefined): Uint8Array => Buffer.from(base64 ?? '', 'base64');
const base64 = (value: Uint8Array | null | undefined): string => Buffer.from(value ?? []).toString('base64');

function fromJson({ metadata, data }: CodecPayload): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([key, value]) => [key, bytes(value)])),
    data: bytes(data),
  };
}

function toJson({ metadata, data }: Payload): CodecPayload {
  return {
    metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([key, value]) => [key, base64(value)])),
    data: base64(data),
  };
}

/** A payload the codec refused, named by its place in the request; anything else is not the caller's doing. */
function codecFailure(err: unknown, index: number): unknown {
  if (!(err instanceof UnknownKeyError || err instanceof PayloadDecryptionError)) return err;
  const field = `payloads[${index}]`;
  return new ApiError(400, 'undecodable_payload', `${field}: ${err.message}`, [
    { field, problem: err.message },
  ]);
}

export function codecServer(deps: CodecServerDeps): Router {
  const allowed = new Set(deps.corsOrigins);
  const router = Router();

  // An allowed origin gets its CORS headers (a preflight is answered here); any other gets none, and is refused
  // below: a page elsewhere could not read the answer anyway, so nothing is decoded on its behalf.
  router.use(
    cors({
      origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
      credentials: true,
      methods: ['POST'],
      allowedHeaders: REQUEST_HEADERS,
      maxAge: 600,
    }),
  );
  router.use((req, _res, next) => {
    const origin = req.get('origin');
    if (origin === undefined || allowed.has(origin)) return next();
    next(
      new ApiError(
        403,
        'origin_not_allowed',
        `origin ${origin} may not call the codec endpoint; allowed: ${[...allowed].join(', ')} (TEMPORAL_UI_URL, CODEC_CORS_ORIGINS)`,
      ),
    );
  });

  const json = jsonBody(deps.bodyLimitBytes);
  for (const operation of ['encode', 'decode'] as const) {
    router.post([`/${operation}`, `/:namespace/${operation}`], deps.guard, json, async (req, res) => {
      const namespace = req.params.namespace ?? req.get('x-namespace') ?? deps.namespace;
      if (namespace !== deps.namespace) {
        throw new ApiError(
          404,
          'unknown_namespace',
          `this codec serves namespace ${deps.namespace}, not ${namespace}`,
        );
      }
      const { payloads } = parseOrThrow(CodecBody, req.body);
      // One at a time through the codec, so a refusal names the payload it is about.
      const converted = await Promise.all(
        payloads.map(async (payload, index) => {
          try {
            const [out] = await deps.codec[operation]([fromJson(payload)]);
            return toJson(out!);
          } catch (err) {
            throw codecFailure(err, index);
          }
        }),
      );
      deps.logger.info({ operation, namespace, payloads: payloads.length }, `codec ${operation}`);
      // Decoded payloads are personal data: no browser or proxy keeps a copy.
      res.set('Cache-Control', 'no-store').json({ payloads: converted });
    });
  }

  // Its own error rendering, so it answers in the project's JSON errors wherever it is mounted.
  router.use(errorHandler(deps.logger));
  return router;
}
