import { loadConfig } from '../core/config';
import { connectMongo } from '../core/mongo/connection';
import { connectTemporal } from '../core/temporal/connection';

/** Opens what a command needs and closes it whatever happens; the command's exit status is its result. */
export async function withMongo<T>(
  work: (mongo: Awaited<ReturnType<typeof connectMongo>>) => Promise<T>,
): Promise<T> {
  const mongo = await connectMongo(loadConfig().mongo);
  try {
    return await work(mongo);
  } finally {
    await mongo.close();
  }
}

export async function withTemporal<T>(
  work: (client: Awaited<ReturnType<typeof connectTemporal>>['client']) => Promise<T>,
) {
  const temporal = await connectTemporal(loadConfig().temporal);
  try {
    return await work(temporal.client);
  } finally {
    await temporal.connection.close();
  }
}
