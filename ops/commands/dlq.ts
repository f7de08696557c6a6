import fs from 'node:fs';
import { Option, type Command } from 'commander';
import { createKafka } from '../../core/kafka/client';
import { listDeadLetters, replayDeadLetters } from '../../core/kafka/dead-letters';
import { loadConfig } from '../../core/config';
import { UsageError } from '../command';

/** `npm run orders -- dlq list | replay`: the messages a consumer gave up on, read or sent back to their topic. */
export function dlqCommand(cli: Command): void {
  const dlq = cli
    .command('dlq')
    .summary('list or replay the dead letters of a topic')
    .description(
      'Dead letters are the messages a consumer gave up on, kept in <topic>.dlq with why and where from.',
    );

  dlq
    .command('list')
    .description("list <topic>.dlq: each message's id (partition:offset), key, consumer, origin and error")
    .argument('<topic>', 'the topic whose dead letters to list, e.g. order-created')
    .action(async (topic: string) => {
      const letters = await listDeadLetters(createKafka(loadConfig().kafka), topic);
      if (letters.length === 0) {
        console.log(`${topic}.dlq is empty`);
        return;
      }
      for (const l of letters) {
        const why = l.letter
          ? `${l.letter.failedAt} ${l.letter.consumer} from ${l.letter.originalTopic}/${l.letter.originalPartition}:${l.letter.originalOffset}: ${l.letter.error}`
          : `(${l.problem})`;
        console.log(`${l.id}  key=${l.key ?? '-'}  ${why}`);
      }
      console.log(`${letters.length} dead letter${letters.length === 1 ? '' : 's'} in ${topic}.dlq`);
    });

  dlq
    .command('replay')
    .description(
      'Re-publish dead letters to the topic they came from, for its consumers to process again (they dedupe on\n' +
        'eventId, so replaying one that was in fact processed changes nothing).',
    )
    .argument('<topic>', 'the topic whose dead letters to replay, e.g. order-created')
    .option('--id <partition:offset>', 'only this dead letter (all of them without it)')
    .addOption(
      new Option('--value <json>', 'publish this corrected value instead (needs --id)').conflicts(
        'valueFile',
      ),
    )
    .option('--value-file <file>', 'publish the corrected value in this file instead (needs --id)')
    .action(async (topic: string, opts: { id?: string; value?: string; valueFile?: string }) => {
      const value = opts.valueFile !== undefined ? fs.readFileSync(opts.valueFile, 'utf8') : opts.value;
      if (value !== undefined && opts.id === undefined) {
        throw new UsageError('dlq replay: a corrected value replaces one dead letter: give its --id too');
      }
      const replayed = await replayDeadLetters(createKafka(loadConfig().kafka), topic, {
        id: opts.id,
        value,
      });
      console.log(`replayed ${replayed.length}${replayed.length > 0 ? `: ${replayed.join(', ')}` : ''}`);
    });
}
