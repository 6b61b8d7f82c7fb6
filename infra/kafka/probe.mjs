// Waits until the Kafka broker serves metadata, which proves more than an open port: the KRaft
// controller has elected itself and the broker has registered and been unfenced. Prints the cluster
// id and the broker count, exits 0; exits 1 with the last error once the deadline passes.
// Usage (scripts/infra.sh): node infra/kafka/probe.mjs <host:port> <deadline ms>
import { setTimeout as delay } from 'node:timers/promises';
import { Admin } from '@platformatic/kafka';

const [broker = '127.0.0.1:9092', within = '60000'] = process.argv.slice(2);
const deadline = Date.now() + Number(within);

async function metadataOnce() {
  const admin = new Admin({
    clientId: 'eventide-infra-probe',
    bootstrapBrokers: [broker],
    retries: 0,
    connectTimeout: 1_000,
    requestTimeout: 2_000,
  });
  try {
    const metadata = await admin.metadata({ topics: [] });
    if (metadata.brokers.size === 0) throw new Error('the broker answered but lists no registered broker yet');
    return metadata;
  } finally {
    await admin.close();
  }
}

let lastError;
while (Date.now() < deadline) {
  try {
    const metadata = await metadataOnce();
    console.log(`cluster ${metadata.id}, ${metadata.brokers.size} broker(s), controller ${metadata.controllerId}`);
    process.exit(0);
  } catch (error) {
    lastError = error;
    await delay(250);
  }
}
console.error(`no metadata from ${broker} within ${within} ms: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
process.exit(1);
